"""kapbot's own database: one schema (tables.py), migrated by alembic (migrations/), one engine per URL
(database.py), one outbox (outbox.py).

Rasa's conversation store is Rasa's and stays apart (``Settings.sqlite_path``).
"""
