"""Where alembic meets kapbot's database: at start-up (``upgrade_to_head`` hands over the engine's
connection) or from the ``alembic`` command line (the repo's pyproject.toml, ``-x url=...``,
default ``KAPBOT_DATABASE_URL`` or var/kapbot.db). See bot/storage/migrations/__init__.py."""
from __future__ import annotations

import logging

from alembic import context
from sqlalchemy.engine import Connection

from bot.log import logger
from bot.storage.migrations import OnlyTables, prepare
from bot.storage.tables import metadata


def run_migrations(connection: Connection) -> None:
    prepare(connection)
    only = OnlyTables(metadata.tables)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # kapbot's tables only: autogenerate never proposes to drop Rasa's `events` or any other
        # table in the same database. (So dropping one of kapbot's tables is written by hand.)
        include_name=only.include_name,
        include_object=only.include_object,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=True,  # SQLite alters a table by copying it; autogenerate writes it so
    )
    before = context.get_context().get_current_heads()
    with context.begin_transaction():  # a no-op: the transaction is prepare()'s, committed by the caller
        context.run_migrations()
    after = context.get_context().get_current_heads()
    if after != before:
        logger.info("kapbot's database migrated from %s to %s", ",".join(before) or "nothing", ",".join(after))


def command_line() -> None:
    from bot.settings import Settings
    from bot.storage.database import new_engine

    logging.basicConfig(level=logging.INFO, format="%(levelname)-5.5s [%(name)s] %(message)s")
    url = context.get_x_argument(as_dictionary=True).get("url") or Settings().database
    engine = new_engine(url)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("kapbot's migrations run against a database: offline (--sql) mode is not supported")
given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    command_line()
