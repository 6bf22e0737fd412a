"""kapbot's schema changes: alembic revisions in versions/, run to the newest whenever an engine is made.

``upgrade_to_head`` is what ``make_engine`` (bot/storage/database.py) calls; env.py is where
alembic meets the database, at start-up and from the ``alembic`` command line alike. On one
connection and in one transaction it takes the database's migration lock (``prepare``), stamps a
database made before migrations existed, runs the revisions it lacks, and commits.

Only kapbot's tables are looked at: Rasa's ``events`` and anything else sharing the database
are never compared, changed or dropped (``OnlyTables``).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Collection, List, Optional

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.log import logger

SCRIPT_LOCATION = Path(__file__).parent
FIRST_REVISION = "0001"
# The key of PostgreSQL's transaction-level advisory lock: a constant no other code in the database
# uses ("kapbot" in ASCII). It is released by the commit (or rollback) that ends the migration.
POSTGRES_LOCK_KEY = 0x6B6170626F74

# alembic's `context` and `op` are module globals: one migration at a time in a process.
_ONE_AT_A_TIME = threading.Lock()


class SchemaMismatch(RuntimeError):
    """kapbot's tables exist without a migration history and differ from the first revision."""


def alembic_config(connection: Optional[Connection] = None) -> Config:
    """alembic's configuration, without an ini file: the revisions ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring ``engine``'s database to the newest revision; safe when several processes start at once."""
    with _ONE_AT_A_TIME, engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()


def prepare(connection: Connection) -> None:
    """Take the migration lock for the transaction, then stamp a database made before migrations.

    ``connection`` must not be in a transaction yet: this begins the one the migration runs in.
    """
    if connection.dialect.name == "postgresql":
        # Waits for another process's migration to commit; then the version table says what is left.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # The write lock at once, not at the first write: another process waits (busy timeout)
        # before it reads the version table, and never migrates from a stale read.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    _stamp_if_made_before_migrations(connection)


def first_revision_schema() -> MetaData:
    """The tables the first revision creates, frozen in it: what ``create_all`` made before migrations."""
    script = ScriptDirectory.from_config(alembic_config())
    revision = script.get_revision(FIRST_REVISION)
    assert revision is not None and revision.module is not None
    schema: MetaData = revision.module.schema
    return schema


class OnlyTables:
    """alembic's ``include_name`` and ``include_object`` hooks: the tables named, and what is in them."""

    def __init__(self, names: Collection[str]) -> None:
        self.names = frozenset(names)

    def include_name(self, name: Optional[str], type_: str, _parent_names: Any) -> bool:
        return type_ != "table" or name in self.names

    def include_object(self, _object: Any, name: Optional[str], type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return type_ != "table" or name in self.names


def schema_differences(connection: Connection, schema: MetaData, tables: Optional[Collection[str]] = None) -> List[Any]:
    """What alembic's autogenerate would change to make the database's ``tables`` (default: all of
    ``schema``'s) match ``schema``: types and server defaults included, other tables ignored."""
    only = OnlyTables(schema.tables if tables is None else tables)
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "compare_server_default": True,
        "include_name": only.include_name,
        "include_object": only.include_object,
    })
    return list(compare_metadata(context, schema))


def _stamp_if_made_before_migrations(connection: Connection) -> None:
    """A database with kapbot's tables and no version table was made by ``create_all``, before
    migrations: stamp it at the first revision when its tables match that revision's."""
    migration = MigrationContext.configure(connection)
    if migration.get_current_heads():
        return
    schema = first_revision_schema()
    present = set(inspect(connection).get_table_names()) & set(schema.tables)
    if not present:
        return  # a new database: every revision runs
    differences = schema_differences(connection, schema, present)
    if differences:
        raise SchemaMismatch(
            f"kapbot's tables in {connection.engine.url!r} have no migration history and differ from the "
            f"first revision ({FIRST_REVISION}), so none is assumed: {differences}"
        )
    # create_all added whatever table its release knew; one that came later is added the same way.
    missing = [table for table in schema.sorted_tables if table.name not in present]
    schema.create_all(connection, tables=missing, checkfirst=False)
    migration.stamp(ScriptDirectory.from_config(alembic_config()), FIRST_REVISION)
    logger.info("kapbot's database predates migrations: its tables match revision %s, stamped", FIRST_REVISION)
