"""kapbot's own database: one schema (tables.py), migrated by alembic (migrations/), one engine per URL
(database.py), one outbox (outbox.py).

Rasa's conversation store shares the database, its table Rasa's own (conversations.py);
retention.py deletes what clinic.yml's period says goes.
"""
