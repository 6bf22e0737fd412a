"""The copies of the shared folder (docs/shared-copies.yml) match their recorded sums, and so
does ../shared when it sits beside the checkout: a copy edited here, or a shared file that
changed without being copied, fails."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import List

import pytest

from bot.build.shared_copies import MANIFEST, SYNC_HINT, SharedCopy, differences, load_manifest, sha256, sync
from bot.errors import ContentError
from tests.paths import PROJECT_DIR, SHARED_DIR

COPIES: List[SharedCopy] = load_manifest(PROJECT_DIR).copies


def copy_of(path: str) -> SharedCopy:
    return next(c for c in COPIES if c.path == Path(path))


@pytest.mark.parametrize("copy", COPIES, ids=lambda c: str(c.path))
def test_copy_and_shared_source_match_the_recorded_sum(copy: SharedCopy) -> None:
    assert differences(copy, PROJECT_DIR, SHARED_DIR) == [], SYNC_HINT


def test_the_manifest_holds_what_the_project_reads() -> None:
    assert {str(c.path) for c in COPIES} == {
        "docs/api.md", "content/catalogue.yml", "content/seed/kap-what-to-expect.txt",
        "tests/eval/dev.yml", "tests/eval/real_dev.yml",
    }


def test_no_copy_is_training_data() -> None:
    """The measuring sets are never trained on; Rasa reads every file under data/."""
    assert not any(c.path.parts[0] == "data" for c in COPIES)


def _fake_checkout(tmp_path: Path) -> tuple[Path, Path]:
    project, shared = tmp_path / "project", tmp_path / "shared"
    (project / MANIFEST).parent.mkdir(parents=True)
    shutil.copyfile(PROJECT_DIR / MANIFEST, project / MANIFEST)
    for copy in COPIES:
        for root, path in ((project, copy.path), (shared, copy.source)):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PROJECT_DIR / copy.path, root / path)
    return project, shared


def test_differences_name_an_edited_copy_and_a_changed_source(tmp_path: Path) -> None:
    project, shared = _fake_checkout(tmp_path)
    api, dev = copy_of("docs/api.md"), copy_of("tests/eval/dev.yml")
    (project / api.path).write_text("edited here\n")
    (shared / dev.source).write_text("changed upstream\n")
    assert [d.split(":")[0] for d in differences(api, project, shared)] == [str(project / api.path)]
    assert [d.split(":")[0] for d in differences(dev, project, shared)] == [str(shared / dev.source)]
    # Without a shared folder only the copies are checked.
    assert differences(dev, project, tmp_path / "absent") == []


def test_sync_copies_a_changed_source_and_records_its_sum(tmp_path: Path) -> None:
    project, shared = _fake_checkout(tmp_path)
    dev = copy_of("tests/eval/dev.yml")
    (shared / dev.source).write_text("questions: []\n")
    assert sync(project, shared) == [dev.path]
    assert (project / dev.path).read_text() == "questions: []\n"
    recorded = {c.path: c.sha256 for c in load_manifest(project).copies}
    assert recorded[dev.path] == sha256(shared / dev.source)
    assert all(differences(c, project, shared) == [] for c in load_manifest(project).copies)
    assert sync(project, shared) == []


def test_sync_needs_the_shared_folder(tmp_path: Path) -> None:
    project, _ = _fake_checkout(tmp_path)
    with pytest.raises(ContentError):
        sync(project, tmp_path / "absent")
