"""Files copied from the coordinating project's shared folder (../shared), kept byte for byte.

A clone of this repository alone must still have the contract, the topic catalogue, the seed
article and the measuring sets, so they live here as copies. ``docs/shared-copies.yml`` names
each copy, its source in the shared folder and the SHA-256 both must have: the copies are
checked against it always, the shared folder whenever it sits beside the checkout.
"""
from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path
from typing import List

import yaml
from pydantic import BaseModel, Field

from bot.content.files import load_yaml_model
from bot.errors import ContentError

MANIFEST = Path("docs/shared-copies.yml")
SYNC_HINT = "run 'make sync-shared' to copy the shared folder and record its sums"
_HEADER = """\
# Files copied byte for byte from the shared folder beside this repository (../shared), so a
# clone of the repository alone has them. Each copy and its source must have this SHA-256;
# tests/test_shared_copies.py checks the copies always and ../shared when present.
# Written by 'make sync-shared' (bot/build/shared_copies.py): do not edit the copies or the sums by hand.
"""


class SharedCopy(BaseModel):
    path: Path = Field(..., description="Where the copy lives in this repository.")
    source: Path = Field(..., description="Where it comes from, relative to the shared folder.")
    sha256: str = Field(..., regex=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    copies: List[SharedCopy] = Field(..., min_items=1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest(project_dir: Path) -> Manifest:
    return load_yaml_model(project_dir / MANIFEST, Manifest)


def differences(copy: SharedCopy, project_dir: Path, shared_dir: Path) -> List[str]:
    """What differs from the recorded sum: the copy, and the source if the shared folder exists."""
    found: List[str] = []
    places = [project_dir / copy.path] + ([shared_dir / copy.source] if shared_dir.is_dir() else [])
    for place in places:
        if not place.is_file():
            found.append(f"{place}: missing")
        elif sha256(place) != copy.sha256:
            found.append(f"{place}: SHA-256 {sha256(place)}, {MANIFEST} records {copy.sha256}")
    return found


def sync(project_dir: Path, shared_dir: Path) -> List[Path]:
    """Copy every source that changed into the repository and record the new sums; the changed copies."""
    if not shared_dir.is_dir():
        raise ContentError(shared_dir, "-", "no shared folder to copy from")
    manifest = load_manifest(project_dir)
    changed: List[Path] = []
    for copy in manifest.copies:
        source, target = shared_dir / copy.source, project_dir / copy.path
        if not source.is_file():
            raise ContentError(source, "-", f"named in {MANIFEST} but not in the shared folder")
        if not target.is_file() or sha256(target) != sha256(source):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            changed.append(copy.path)
        copy.sha256 = sha256(target)
    rows = [{"path": str(c.path), "source": str(c.source), "sha256": c.sha256} for c in manifest.copies]
    (project_dir / MANIFEST).write_text(_HEADER + yaml.safe_dump({"copies": rows}, sort_keys=False))
    return changed


def main() -> None:
    """``python -m bot.build.shared_copies [SHARED_DIR]``: sync from SHARED_DIR (default ../shared)."""
    project_dir = Path(__file__).resolve().parents[2]
    shared_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else project_dir.parent / "shared"
    changed = sync(project_dir, shared_dir.resolve())
    print("\n".join(f"copied {path}" for path in changed) or "every copy already matched")


if __name__ == "__main__":
    main()
