"""Cases, their history, reads of case detail, and the bus tables.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

from safeguard_shared.db.tables import bus_tables_migration_ops

revision = "0001"
down_revision = None


def upgrade() -> None:
    bus_tables_migration_ops(op, sa)
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("case_ref", sa.String(40), nullable=False, unique=True),
        sa.Column("pathway", sa.String(10), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("referring_agency", sa.String(60), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("became_aware_on", sa.Date, nullable=True),
        sa.Column("serious_incident", sa.Boolean, nullable=False),
        sa.Column("rapid_review", sa.Boolean, nullable=False),
        sa.Column("referral", sa.JSON, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_cases_agency", "cases", ["referring_agency"])
    op.create_table(
        "case_reads",
        sa.Column("read_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_reads_case", "case_reads", ["case_id"])
    op.create_table(
        "case_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(60), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_case_history_case", "case_history", ["case_id"])


def downgrade() -> None:
    for table in ("case_history", "case_reads", "cases", "inbox", "outbox"):
        op.drop_table(table)
