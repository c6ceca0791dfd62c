"""views/records.py (JSON-ready data for the faces, badges) and the PROV-JSON export of records."""

from __future__ import annotations

import json

from jupyter_prov.orm import Int
from jupyter_prov.records import Dataset, Model, invalidate
from jupyter_prov.views import records as views
from tests.records.processes import train
from tests.records.test_cli import jprov  # noqa: F401 - the fixture


def _setup():
    data = Dataset.create("peaks", tags={"beamline": "1-ID"})
    d1 = data.update(Int(1))
    result, calc = train.run_get_node(d1.node)
    model = Model.create("bragg")
    m1 = model.update(result["model"], by=calc, actor="ana")
    m2 = model.update(Int(99), derived_from=[d1], actor="ana")
    model.set_alias("production", 1, actor="ben")
    return data, d1, model, m1, m2, calc


def test_summary_history_and_badges_are_json_ready(profile):
    data, d1, model, m1, m2, _calc = _setup()
    summary = views.record_summary("bragg")
    assert json.loads(json.dumps(summary)) == summary
    assert [v["version"] for v in summary["versions_list"]] == [1, 2] and summary["aliases"]["production"] == 1
    history = views.record_history(model)
    assert [e["event"] for e in history] == ["version", "version", "alias"] and isinstance(history[0]["time"], str)
    assert views.badge(m2)["status"] == "valid"
    data.update(Int(2))
    stale = views.badge(m2)
    assert stale["status"] == "stale" and stale["stale"] == [{"record": "peaks", "used": 1, "newest": 2}]
    assert "peaks v1 (newest v2)" in stale["text"]
    invalidate(d1, "wrong wavelength", by="cora", run_actions=False)
    bad = views.badge(m1)
    assert bad["status"] == "invalid" and bad["why"][0]["cause"] == "wrong wavelength"
    assert [step["node"] for step in bad["why"][0]["path"]][-1] == d1.node_pk
    assert "wrong wavelength" in bad["text"] and json.loads(json.dumps(bad)) == bad


def test_badges_for_a_drawing_in_few_queries(profile):
    data, d1, model, m1, m2, calc = _setup()
    other = Int(7).store()
    d2 = data.update(Int(3))
    found = views.badges([m1.node_pk, m2.node_pk, other.pk, d2.node_pk])
    assert found[m1.node_pk]["status"] == "stale" and found[m2.node_pk]["status"] == "stale"
    assert other.pk not in found and d2.node_pk not in found  # valid: no badge
    invalidate(d1, "bad", run_actions=False)
    found = views.badges([m1.node_pk, m2.node_pk, calc.pk, d2.node_pk])
    assert {pk: b["status"] for pk, b in found.items()} == {m1.node_pk: "invalid", m2.node_pk: "invalid",
                                                             calc.pk: "invalid"}


def test_prov_json_reads_back_with_the_prov_package(profile):
    from prov.model import ProvDerivation, ProvDocument, ProvGeneration, ProvInvalidation, ProvSpecialization

    data, d1, model, m1, m2, calc = _setup()
    invalidate(d1, "wrong wavelength", by="cora", run_actions=False)
    document = views.prov_document()
    doc = ProvDocument.deserialize(content=json.dumps(document), format="json")
    records = list(doc.get_records())
    by_type: dict = {}
    for record in records:
        by_type.setdefault(type(record), []).append(record)
    revisions = [r for r in by_type[ProvDerivation] if "prov:Revision" in str(r.get_asserted_types())]
    assert len(revisions) == 1  # bragg v2 revises v1 (peaks has one version)
    assert str(revisions[0].args[0]).endswith(model[2].node.uuid) and str(revisions[0].args[1]).endswith(m1.node.uuid)
    plain_derivations = [r for r in by_type[ProvDerivation] if r not in revisions]
    assert len(plain_derivations) == 1  # v2 derived_from peaks v1
    assert len(by_type[ProvGeneration]) == 1 and str(by_type[ProvGeneration][0].args[1]).endswith(calc.uuid)
    assert len(by_type[ProvSpecialization]) == 3
    invalidated = {str(r.args[0]).rsplit(":", 1)[-1] for r in by_type[ProvInvalidation]}
    assert invalidated == {d1.node.uuid, m1.node.uuid, m2.node.uuid}
    entity = document["entity"][f"node:{m1.node.uuid}"]
    assert entity["jprov:status"] == "invalid" and entity["jprov:aliases"] == "production"
    (activity,) = [a for key, a in document["activity"].items() if key.startswith("jprov:invalidation/")]
    assert activity["jprov:cause"] == "wrong wavelength"
    assert list(document["agent"]) == ["jprov:actor/cora"]


def test_jprov_record_export_prov(profile, jprov, tmp_path):
    _setup()
    out = tmp_path / "records.json"
    result = jprov("export", "--prov", "bragg", "-o", str(out))
    assert "entities" in result.output
    document = json.loads(out.read_text())
    labels = sorted(e["prov:label"] for e in document["entity"].values())
    assert "bragg@v1" in labels and "bragg@v2" in labels and "bragg" in labels
    assert json.loads(jprov("export", "bragg").output) == document
