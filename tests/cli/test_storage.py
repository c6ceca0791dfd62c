"""jprov storage info|migrate|maintain."""

from jupyter_prov.orm import Int, load_node
from jupyter_prov.orm import current


def test_info_counts_entities(run, backend_name):
    Int(1).store()
    info = run.json("storage", "info")
    assert info["backend"] == backend_name and info["entities"]["nodes"] == 1
    assert info["schema_version"]
    assert "schema_version" in run("storage", "info").output


def test_maintain_dry_run_changes_nothing_and_maintain_packs(run):
    run("storage", "maintain")  # the repository outlives the emptied database of earlier tests
    node = Int(1)
    node.put_file("a.txt", b"content")
    node.store()
    repository = current.get_storage().repository
    current.get_storage().repository.put_bytes(b"nobody refers to me")
    before = repository.info()
    report = run.json("storage", "maintain", "--dry-run")
    assert report["repository"]["unreferenced_objects"] == 1
    assert repository.info()["loose_objects"] == before["loose_objects"]
    run.json("storage", "maintain")
    after = repository.info()
    assert after["loose_objects"] == 0 and after["packed_objects"] == 1
    report = run.json("storage", "maintain", "--full")
    assert report["database"] == "vacuumed"
    assert load_node(node.pk).get_file("a.txt") == b"content"


def test_migrate_at_head_does_nothing(run):
    assert "nothing to do" in run("storage", "migrate").output
