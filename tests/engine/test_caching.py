"""Caching: hits and misses, what a hit records, the knobs, and the classic surprises."""

import importlib
import math
import sys
import uuid

import pytest
from sqlalchemy import update

from jupyter_prov.engine import disable_caching, enable_caching
from jupyter_prov.engine.caching import is_caching_enabled, is_trusted_cache_source, rehash, set_cacheable
from jupyter_prov.orm import Float, ProcessState, load_node
from jupyter_prov.storage import schema

from .conftest import links_in, links_out

V1 = '''
from jupyter_prov.engine import calcfunction, workfunction

CALLS = []


@calcfunction
def scale(x, factor=2):
    CALLS.append(x.value)
    return {"scaled": x.value * factor.value, "note": "v1"}


@workfunction
def twice(x):
    return scale(x)
'''


@pytest.fixture
def module(tmp_path, monkeypatch):
    """A module written to disk, importable and rewritable: ``write(source)`` returns the (re)loaded module."""
    name = f"cachemod_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.py"
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(source: str):
        path.write_text(source)
        if name in sys.modules:
            return importlib.reload(sys.modules[name])
        return importlib.import_module(name)

    yield write
    sys.modules.pop(name, None)


def test_caching_is_off_by_default(profile, module):
    mod = module(V1)
    assert not is_caching_enabled(mod.scale.process_class.process_type())
    mod.scale(3)
    _, second = mod.scale.run_get_node(3)
    assert mod.CALLS == [3, 3] and second.get_attribute("cached_from", None) is None


def test_hit_runs_nothing_and_links_like_the_original(profile, module):
    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    with enable_caching():
        result, cached = mod.scale.run_get_node(3)
    assert mod.CALLS == [3]
    assert cached.pk != original.pk and cached.get_attribute("cached_from") == original.uuid
    assert cached.is_finished_ok and cached.is_sealed and cached.node_hash == original.node_hash
    assert links_in(cached) == links_in(original) == [("input_calc", "factor", "Int"), ("input_calc", "x", "Int")]
    assert links_out(cached) == links_out(original) == [("create", "note", "Str"), ("create", "scaled", "Int")]
    assert result["scaled"].value == 6 and result["scaled"].creator.pk == cached.pk
    assert result["scaled"].pk != original.outputs.scaled.pk  # outputs are new nodes, created by the new calculation
    assert result["scaled"].node_hash == original.outputs.scaled.node_hash
    assert cached.inputs.x.pk != original.inputs.x.pk


def test_hit_inside_a_workfunction_is_called_by_it(profile, module):
    mod = module(V1)
    mod.scale(3)
    with enable_caching(mod.scale):
        result, work = mod.twice.run_get_node(3)
    (call,) = work.called
    assert call.get_attribute("cached_from") and call.caller.pk == work.pk
    assert {k: v.pk for k, v in result.items()} == {t.link_label: t.node.pk for t in work.get_outgoing("return")}
    assert all(v.creator.pk == call.pk for v in result.values())
    assert mod.CALLS == [3]


def test_miss_on_other_input_including_one_bit(profile, module):
    mod = module(V1)
    mod.scale(1.0)
    with enable_caching():
        mod.scale(4)
        mod.scale(math.nextafter(1.0, 2.0))
    assert len(mod.CALLS) == 3
    assert Float(1.0).compute_hash() != Float(math.nextafter(1.0, 2.0)).compute_hash()


def test_changed_source_code_is_a_miss(profile, module):
    mod = module(V1)
    mod.scale(3)
    mod = module(V1.replace('"note": "v1"', '"note": "v2"'))
    with enable_caching():
        result, node = mod.scale.run_get_node(3)
    assert node.get_attribute("cached_from", None) is None and result["note"].value == "v2"
    assert mod.CALLS == [3]


def test_changed_default_argument_is_a_miss(profile, module):
    mod = module(V1)
    mod.scale(3)
    mod = module(V1.replace("factor=2", "factor=3"))
    with enable_caching():
        result, node = mod.scale.run_get_node(3)
    assert node.get_attribute("cached_from", None) is None and result["scaled"].value == 9
    assert node.inputs.factor.value == 3


def test_unchanged_source_reloaded_is_a_hit(profile, module):
    mod = module(V1)
    mod.scale(3)
    mod = module(V1 + "\n# a comment after the function does not change it\n")
    with enable_caching():
        _, node = mod.scale.run_get_node(3)
    assert node.get_attribute("cached_from", None) is not None and mod.CALLS == []


def test_not_cacheable_mark_and_failed_sources_are_skipped(profile, module):
    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    set_cacheable(original, False)
    with enable_caching():
        _, node = mod.scale.run_get_node(3)
    assert node.get_attribute("cached_from", None) is None
    set_cacheable(node, False)
    set_cacheable(original, True)
    with enable_caching():
        _, again = mod.scale.run_get_node(3)
    assert again.get_attribute("cached_from") == original.uuid


def test_rehash_after_a_hash_change(profile, storage, module):
    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    with storage.transaction() as conn:  # what an older hashing scheme would have left behind
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == original.pk).values(node_hash="0" * 64))
    with enable_caching():
        _, miss = mod.scale.run_get_node(3)
    assert miss.get_attribute("cached_from", None) is None
    assert rehash([load_node(original.pk)]) == 1
    assert load_node(original.pk).node_hash == miss.node_hash
    with enable_caching():
        _, hit = mod.scale.run_get_node(3)
    assert hit.get_attribute("cached_from") in (original.uuid, miss.uuid)


def test_profile_configuration_per_process_type(profile, module, caching_config):
    mod = module(V1)
    process_type = mod.scale.process_class.process_type()
    mod.scale(3)
    caching_config(enabled_for=[process_type])
    assert is_caching_enabled(process_type) and not is_caching_enabled("other:thing")
    _, hit = mod.scale.run_get_node(3)
    assert hit.get_attribute("cached_from", None)
    with disable_caching(mod.scale):
        _, miss = mod.scale.run_get_node(3)
    assert miss.get_attribute("cached_from", None) is None
    caching_config(enabled=True, enabled_for=[], disabled_for=[process_type.split(":")[0] + ":*"])
    assert not is_caching_enabled(process_type) and is_caching_enabled("other:thing")


def test_workflows_are_never_cached(profile, module):
    mod = module(V1)
    _, first = mod.twice.run_get_node(3)
    with enable_caching():
        _, second = mod.twice.run_get_node(3)
    assert second.get_attribute("cached_from", None) is None
    assert second.process_state is ProcessState.FINISHED


def test_cached_from_is_shown_by_the_cli(profile, module):
    from click.testing import CliRunner

    from jupyter_prov.cli import main

    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    with enable_caching():
        _, cached = mod.scale.run_get_node(3)
    out = CliRunner().invoke(main, ["-p", profile.name, "process", "show", str(cached.pk)], catch_exceptions=False).output
    assert "cached_from" in out and original.uuid in out


def test_submitted_calculation_is_taken_from_the_cache_when_continued(profile, module):
    from jupyter_prov.engine import continue_process, submit

    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    node = submit(mod.scale, 3)
    with enable_caching():
        done = continue_process(node.pk)
    assert mod.CALLS == [3]
    assert done.pk == node.pk and done.get_attribute("cached_from") == original.uuid and done.is_sealed
    assert links_out(done) == links_out(original)


# ---- a cache source is verified: content against hashes, and nothing imported is trusted ------------

ADD = '''
from jupyter_prov.engine import calcfunction

CALLS = []


@calcfunction
def add(x, y):
    CALLS.append((x.value, y.value))
    return x.value + y.value
'''


def _tampered_copy(archive, target, sql: list[tuple[str, tuple]]):
    """``archive`` with SQL run on its database (what anyone holding the file can do)."""
    import sqlite3
    import zipfile

    with zipfile.ZipFile(archive) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    db = target.with_suffix(".sqlite3")
    db.write_bytes(dict(members)["db.sqlite3"])
    conn = sqlite3.connect(db)
    for statement, params in sql:
        assert conn.execute(statement, params).rowcount == 1
    conn.commit()
    conn.close()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in members:
            out.writestr(name, db.read_bytes() if name == "db.sqlite3" else content)
    return target


def _export_add_then_import_tampered(mod, tmp_path, *, consistent: bool):
    from jupyter_prov.archive import create_archive, import_archive
    from jupyter_prov.orm import Int
    from tests.archive.conftest import empty_profile_storage

    result, calc = mod.add.run_get_node(2, 3)
    assert result.value == 5
    create_archive(tmp_path / "add.jprov", nodes=[calc])
    statements = [("UPDATE db_node SET attributes = json_set(attributes, '$.value', 999) WHERE uuid = ?",
                   (result.uuid,))]
    if consistent:  # the attacker also writes the hash that 999 has: nothing in the archive disagrees
        statements.append(("UPDATE db_node SET node_hash = ? WHERE uuid = ?", (Int(999).compute_hash(), result.uuid)))
    poisoned = _tampered_copy(tmp_path / "add.jprov", tmp_path / "poisoned.jprov", statements)
    empty_profile_storage()
    mod.CALLS.clear()
    import_archive(poisoned)
    assert load_node(result.uuid).value == 999
    return load_node(calc.uuid), load_node(result.uuid)


def test_an_output_changed_in_an_archive_is_never_taken_from_the_cache(profile, module, tmp_path, caplog):
    mod = module(ADD)
    imported_calc, poisoned = _export_add_then_import_tampered(mod, tmp_path, consistent=False)
    from jupyter_prov.orm import Int

    with enable_caching():
        result, node = mod.add.run_get_node(Int(2), Int(3))
    assert result.value == 5 and mod.CALLS == [(2, 3)]
    assert node.get_attribute("cached_from", None) is None
    set_cacheable(imported_calc, True)  # even when the user vouches for the archive, content is checked
    set_cacheable(node, False)
    with enable_caching(), caplog.at_level("WARNING", logger="jupyter_prov.engine.caching"):
        result, node = mod.add.run_get_node(Int(2), Int(3))
    assert result.value == 5 and mod.CALLS == [(2, 3), (2, 3)]
    assert node.get_attribute("cached_from", None) is None
    assert imported_calc.uuid in caplog.text and poisoned.uuid in caplog.text
    assert "does not match" in caplog.text


def test_imported_calculations_are_not_cache_sources_until_trusted(profile, module, tmp_path):
    mod = module(ADD)
    imported_calc, _ = _export_add_then_import_tampered(mod, tmp_path, consistent=True)
    from jupyter_prov.orm import Int

    with enable_caching():
        result, node = mod.add.run_get_node(Int(2), Int(3))
    assert result.value == 5 and mod.CALLS == [(2, 3)] and node.get_attribute("cached_from", None) is None
    with enable_caching():  # the calculation this profile ran is a cache source
        again, hit = mod.add.run_get_node(Int(2), Int(3))
    assert again.value == 5 and mod.CALLS == [(2, 3)] and hit.get_attribute("cached_from") == node.uuid
    assert is_trusted_cache_source(load_node(node.pk)) and not is_trusted_cache_source(imported_calc)


def test_a_local_output_changed_in_the_database_is_never_reused(profile, storage, module, caplog):
    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    scaled = original.outputs.scaled
    with storage.transaction() as conn:  # a row edited behind the ORM's back, its hash left as it was
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == scaled.pk).values(attributes={"value": 999}))
    with enable_caching(), caplog.at_level("WARNING", logger="jupyter_prov.engine.caching"):
        result, node = mod.scale.run_get_node(3)
    assert result["scaled"].value == 6 and mod.CALLS == [3, 3] and node.get_attribute("cached_from", None) is None
    assert scaled.uuid in caplog.text


def test_a_calculation_whose_inputs_were_rewritten_is_never_reused(profile, storage, module, caplog):
    from jupyter_prov.orm import Int

    mod = module(V1)
    _, original = mod.scale.run_get_node(3)
    x = original.inputs.x
    with storage.transaction() as conn:  # the input rewritten with a matching hash: only the calculation's disagrees
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == x.pk)
                     .values(attributes={"value": 4}, node_hash=Int(4).compute_hash()))
    with enable_caching(), caplog.at_level("WARNING", logger="jupyter_prov.engine.caching"):
        _result, node = mod.scale.run_get_node(3)
    assert mod.CALLS == [3, 3] and node.get_attribute("cached_from", None) is None
    assert original.uuid in caplog.text and "its own content does not match its hash" in caplog.text
