"""The curators' log of unsure questions moves into kapbot's database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

Written by hand. Before this revision the log was a table of its own file
(var/conversations.db, with Rasa's conversations); bot/storage/legacy.py moves its rows in.
"""
from typing import Sequence, Union

from alembic import op
from sqlalchemy import Column, DateTime, Integer, String, Text

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "unsure_questions",
        Column("id", Integer, primary_key=True),
        Column("asked_at", DateTime, nullable=False),
        Column("channel", String(32), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("question", Text, nullable=False),
        Column("offered", Text, nullable=False),
        Column("chosen", String(64)),
    )
    op.create_index("ix_unsure_questions_asked_at", "unsure_questions", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_unsure_questions_asked_at", table_name="unsure_questions")
    op.drop_table("unsure_questions")
