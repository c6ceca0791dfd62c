"""A profile that never stored a file: its repository answers reads (no objects) and reads create nothing.

Issue #21: ``python benchmarks/archive.py --nodes 20000 --files 0`` and ``jprov storage maintain
--dry-run`` on such a profile crashed with ``FileNotFoundError ... repository/loose``
(``Repository.list_keys()`` listing a container that was never created). Listing, counting, verifying
and maintaining now see "no objects" there, and a dry run (or any read) leaves no repository behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupyter_prov
from jupyter_prov.storage.repository import Repository

KEY = "0" * 64


def test_listing_a_repository_that_was_never_written_gives_no_keys_and_creates_nothing(tmp_path):
    repository = Repository(tmp_path / "repository")
    assert list(repository.list_keys()) == []
    assert repository.count_objects() == {"loose": 0, "packed": 0}
    assert not (tmp_path / "repository").exists()


def test_an_empty_repository_folder_is_listed_as_empty_and_left_as_it_is(tmp_path):
    (tmp_path / "repository").mkdir()  # e.g. made by hand, or by a profile setup that stopped there
    repository = Repository(tmp_path / "repository")
    assert list(repository.list_keys()) == []
    assert list((tmp_path / "repository").iterdir()) == []


def test_maintaining_a_repository_that_was_never_written_reports_nothing_to_do(tmp_path):
    repository = Repository(tmp_path / "repository")
    assert repository.maintain(set(), dry_run=True) == {"unreferenced_objects": 0, "loose_objects": 0}
    assert repository.maintain(lambda: {KEY}, full=True) == {"unreferenced_objects": 0, "loose_objects": 0,
                                                             "deleted": 0}
    assert not (tmp_path / "repository").exists()


def test_verifying_a_repository_that_was_never_written_finds_named_objects_missing(tmp_path):
    repository = Repository(tmp_path / "repository")
    assert repository.verify_objects() == {"checked": 0, "corrupt": [], "missing": []}
    assert repository.verify_objects([KEY]) == {"checked": 1, "corrupt": [], "missing": [KEY]}
    assert not (tmp_path / "repository").exists()


def test_the_first_write_still_creates_the_repository_and_then_lists_it(tmp_path):
    repository = Repository(tmp_path / "repository")
    assert list(repository.list_keys()) == []
    key = repository.put_bytes(b"first")
    assert list(repository.list_keys()) == [key] and repository.count_objects() == {"loose": 1, "packed": 0}
    repository.close()


def test_jprov_storage_maintain_dry_run_on_a_profile_that_never_stored_a_file(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, JPROV_HOME=str(home))
    env.pop("JPROV_PROFILE", None)
    env["PYTHONPATH"] = str(Path(jupyter_prov.__file__).resolve().parents[1])  # the children run this code
    setup = ("from jupyter_prov.config import get_config\n"
             "from jupyter_prov.config.profiles import default_profile_for\n"
             "from jupyter_prov.orm import Int, current, store_all\n"
             "config = get_config(); config.add_profile(default_profile_for('plain'), make_default=True); config.save()\n"
             "current.load_profile('plain'); store_all([Int(i) for i in range(3)])\n"
             "print(list(current.get_storage().repository.list_keys()))\n")
    made = subprocess.run([sys.executable, "-c", setup], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "[]"
    out = subprocess.run([sys.executable, "-m", "jupyter_prov.cli", "storage", "maintain", "--dry-run", "--json"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["repository"] == {"unreferenced_objects": 0, "loose_objects": 0}
    assert not (home / "profiles" / "plain" / "repository").exists()
