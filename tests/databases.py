"""kapbot's database for a test's own var dir: the file a process started there would use."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from bot.storage.database import default_url, make_engine


def database(var_dir: Path) -> Engine:
    return make_engine(default_url(var_dir))
