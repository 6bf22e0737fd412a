"""The red-team lists under tests/redteam/: crisis messages ``{text, category}`` or near misses
``{text}``. Read by ``kapbot redteam`` and the tests (which measure the nets on them) and by the
crisis classifier (which trains on the tuning lists)."""
from __future__ import annotations

from pathlib import Path
from typing import List

import yaml
from pydantic import BaseModel


class RedTeamFile(BaseModel):
    path: Path
    crisis: bool  # every entry is a crisis (else: every entry is a near miss)
    texts: List[str]


def load_redteam(path: Path) -> RedTeamFile:
    """A red-team list; crisis or near misses is read from the entries (they must agree)."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    kinds = {"category" in entry for entry in entries}
    if len(kinds) != 1:
        raise ValueError(f"{path}: mixes crisis entries (with a category) and near misses")
    return RedTeamFile(path=path, crisis=kinds.pop(), texts=[str(e["text"]) for e in entries])
