"""kapbot's schema by alembic migrations (bot/storage/migrations/), run when an engine is made.

On SQLite here, and on a real PostgreSQL (tests/real_servers.py) in the tests marked slow, as
tests/test_postgres_store.py is: an empty database reaches exactly what tables.py declares, one
made before migrations is stamped and keeps its rows, processes that start at once all succeed,
and Rasa's `events` in the same database is never touched.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine, make_url

from bot.storage import tables
from bot.storage.database import make_engine, new_engine, sqlite_url
from bot.storage.migrations import (
    FIRST_REVISION,
    SchemaMismatch,
    alembic_config,
    first_revision_schema,
    schema_differences,
)
from tests.paths import PROJECT_DIR
from tests.real_servers import postgres_server

needs_postgres = pytest.mark.slow  # needs PostgreSQL installed (scripts/ensure-postgres)

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture(autouse=True)
def fresh_engines() -> Iterator[None]:
    make_engine.cache_clear()  # every make_engine below migrates, as a new process's would
    yield
    make_engine.cache_clear()


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres: str, request: pytest.FixtureRequest) -> str:
    """An empty database of its own on the module's server."""
    name = f"t{abs(hash(request.node.name)) % 10**8}"
    server = new_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as db:
        db.exec_driver_sql(f"CREATE DATABASE {name}")
    server.dispose()
    return str(make_url(postgres).set(database=name))


def sqlite_file_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "kapbot.db")


def versions(engine: Engine) -> List[str]:
    with engine.connect() as db:
        return [row[0] for row in db.execute(text("SELECT version_num FROM alembic_version"))]


def assert_at_head_as_tables_py_declares(engine: Engine) -> None:
    assert versions(engine) == [HEAD]
    with engine.connect() as db:
        assert schema_differences(db, tables.metadata) == []


def execute(url: str, *statements: str) -> None:
    """``statements`` run in one transaction, as another program would, not through make_engine."""
    engine = new_engine(url)
    with engine.begin() as db:
        for statement in statements:
            db.exec_driver_sql(statement)
    engine.dispose()


def with_rasa_events(url: str) -> None:
    """Rasa's conversation table, as its SQLTrackerStore makes it, in the same database."""
    execute(url, "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)",
            "INSERT INTO events (id, sender_id, data) VALUES (1, 'conv-1', '{}')")


def assert_rasa_events_untouched(engine: Engine) -> None:
    with engine.connect() as db:
        assert db.execute(text("SELECT sender_id FROM events")).scalars().all() == ["conv-1"]


def made_before_migrations(url: str) -> None:
    """A database as ``create_all`` left it before migrations, with rows in it."""
    schema = first_revision_schema()
    engine = new_engine(url)
    schema.create_all(engine)
    with engine.begin() as db:
        db.execute(insert(schema.tables["outbox"]).values(
            kind="alert", destination="http://127.0.0.1:9/alert", payload="{}", created_at=1.0))
        db.execute(insert(schema.tables["staff_users"]).values(
            username="ana", password_hash="x", created_at="2026-01-01T00:00:00+00:00", session_epoch=3))
    engine.dispose()


def assert_stamped_with_rows_kept(url: str) -> Engine:
    engine = make_engine(url)
    assert_at_head_as_tables_py_declares(engine)
    with engine.connect() as db:
        assert db.execute(select(tables.outbox.c.kind, tables.outbox.c.state)).all() == [("alert", "pending")]
        assert db.execute(select(tables.staff_users.c.username, tables.staff_users.c.session_epoch)).all() == [
            ("ana", 3)]
    return engine


STARTS_WHEN_TOLD = """
import sys
from bot.storage.database import make_engine
print("ready", flush=True)
sys.stdin.readline()
make_engine(sys.argv[1])
"""


def start_at_once(url: str, processes: int = 3) -> None:
    """``processes`` new processes make their engine (and so migrate) at the same moment."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))}
    started = [subprocess.Popen([sys.executable, "-c", STARTS_WHEN_TOLD, url], cwd=PROJECT_DIR, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for _ in range(processes)]
    for process in started:  # every one imported and waiting
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in started:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in started:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err


def test_the_revisions_are_one_chain_from_the_first() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD]
    chain = list(script.walk_revisions())
    assert chain[-1].revision == FIRST_REVISION and chain[-1].down_revision is None
    assert all(isinstance(r.down_revision, str) for r in chain[:-1])  # no merges, no branches


def test_an_empty_sqlite_file_is_migrated_to_what_tables_py_declares(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    with_rasa_events(url)
    engine = make_engine(url)
    assert_at_head_as_tables_py_declares(engine)
    assert_rasa_events_untouched(engine)
    make_engine.cache_clear()
    assert versions(make_engine(url)) == [HEAD]  # the next start finds nothing to do


def test_the_comparison_sees_what_differs_and_only_in_kapbots_tables(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    with_rasa_events(url)
    engine = make_engine(url)
    execute(url, "DROP INDEX outbox_due", "ALTER TABLE staff_audit ADD COLUMN extra TEXT")
    with engine.connect() as db:
        found = sorted(schema_differences(db, tables.metadata), key=lambda d: d[0])
    assert [(d[0], d[1].name) for d in found if d[0] == "add_index"] == [("add_index", "outbox_due")]
    assert [(d[0], d[2], d[3].name) for d in found if d[0] == "remove_column"] == [
        ("remove_column", "staff_audit", "extra")]
    assert len(found) == 2


def test_a_sqlite_file_made_before_migrations_is_stamped_and_keeps_its_rows(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    made_before_migrations(url)
    with_rasa_events(url)
    assert_rasa_events_untouched(assert_stamped_with_rows_kept(url))


def test_a_table_an_older_release_lacked_is_added_before_the_stamp(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    made_before_migrations(url)
    execute(url, "DROP TABLE channel_payload_keys")
    assert_stamped_with_rows_kept(url)


def test_tables_unlike_the_first_revision_are_not_stamped(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    execute(url, "CREATE TABLE outbox (id INTEGER PRIMARY KEY, payload TEXT)")
    with pytest.raises(SchemaMismatch, match="outbox"):
        make_engine(url)
    with new_engine(url).connect() as db:
        assert db.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all() == ["outbox"]


def test_processes_starting_at_once_on_one_sqlite_file_all_succeed(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    start_at_once(url)
    assert_at_head_as_tables_py_declares(new_engine(url))


def test_the_alembic_command_reads_the_repos_config_and_finds_nothing_to_generate(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    alembic = [sys.executable, "-m", "alembic", "-x", f"url={url}"]
    for command in (["upgrade", "head"], ["check"]):
        done = subprocess.run([*alembic, *command], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr
    assert_at_head_as_tables_py_declares(new_engine(url))


@needs_postgres
def test_an_empty_postgres_database_is_migrated_to_what_tables_py_declares(postgres_url: str) -> None:
    with_rasa_events(postgres_url)
    engine = make_engine(postgres_url)
    assert_at_head_as_tables_py_declares(engine)
    assert_rasa_events_untouched(engine)
    engine.dispose()


@needs_postgres
def test_a_postgres_database_made_before_migrations_is_stamped_and_keeps_its_rows(postgres_url: str) -> None:
    made_before_migrations(postgres_url)
    with_rasa_events(postgres_url)
    engine = assert_stamped_with_rows_kept(postgres_url)
    assert_rasa_events_untouched(engine)
    engine.dispose()


@needs_postgres
def test_processes_starting_at_once_on_one_postgres_database_all_succeed(postgres_url: str) -> None:
    start_at_once(postgres_url)
    engine = new_engine(postgres_url)
    assert_at_head_as_tables_py_declares(engine)
    with engine.connect() as db:
        assert db.execute(select(func.count()).select_from(tables.outbox)).scalar() == 0
    engine.dispose()
