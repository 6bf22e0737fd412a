"""The engine for kapbot's own tables, made from ``Settings.database_url``.

One engine per URL per process (engines pool connections and are meant to be
shared). SQLite runs in WAL mode with a busy timeout, so the web process, the
outbox loops and the CLI can write the same file without "database is locked".
"""
from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

from sqlalchemy import Table, event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.exc import IntegrityError

from bot.storage.migrations import upgrade_to_head

if TYPE_CHECKING:
    from bot.settings import Settings

BUSY_TIMEOUT_MS = 10_000
DATABASE_FILE = "kapbot.db"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_file(engine: Engine) -> Optional[Path]:
    """The file of a SQLite database; None for a server database."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    return Path(database) if database else None


def default_url(var_dir: Path) -> str:
    """One SQLite file in the var dir for every table of kapbot's own."""
    return sqlite_url(var_dir / DATABASE_FILE)


@lru_cache(maxsize=None)
def make_engine(url: str) -> Engine:
    """The process's engine for ``url``, its database migrated to the newest revision.

    The migrations (bot/storage/migrations/) take a lock first, so processes that start at
    once against the same database migrate it once; a database made before migrations
    existed is stamped when its tables match the first revision.
    """
    engine = new_engine(url)
    upgrade_to_head(engine)
    return engine


def new_engine(url: str) -> Engine:
    """An engine for ``url`` as kapbot sets them up, its schema as it finds it (``make_engine`` migrates)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: sqlite3.Connection, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: WAL mode needs a lock too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def insert_new(engine: Engine, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless its key exists already; True if inserted. Portable "INSERT OR IGNORE"."""
    try:
        with engine.begin() as db:
            db.execute(table.insert().values(**values))
    except IntegrityError:
        return False
    return True


def open_database(settings: "Settings") -> Engine:
    """The engine for ``settings.database``, with what older releases left in the var dir moved in."""
    from bot.storage.legacy import import_legacy_files

    engine = make_engine(settings.database)
    import_legacy_files(engine, settings.var_dir)
    return engine
