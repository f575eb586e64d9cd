"""The shared access log replaces ``case_reads``: its rows are carried over, oldest first, as the
first rows of the chain (recorded before the log knew roles and endpoints, so those are empty).

Revision ID: 0003
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

from safeguard_shared.access_log import access_log, access_log_migration_ops, carry_over
from safeguard_shared.db.types import UTCDateTime

revision = "0003"
down_revision = "0002"



def _case_reads_columns() -> list[sa.Column[Any]]:
    return [sa.Column("read_id", sa.String(36), primary_key=True), sa.Column("case_id", sa.String(36), nullable=False),
            sa.Column("subject", sa.String(200), nullable=False), sa.Column("agency", sa.String(60), nullable=False),
            sa.Column("read_at", UTCDateTime(), nullable=False)]


case_reads = sa.Table("case_reads", sa.MetaData(), *_case_reads_columns())


def upgrade() -> None:
    access_log_migration_ops(op)
    bind = op.get_bind()
    old = bind.execute(sa.select(case_reads).order_by(case_reads.c.read_at, case_reads.c.read_id)).mappings()
    carry_over(bind, [{"read_at": r["read_at"], "subject": r["subject"], "agency": r["agency"], "roles": "",
                       "operation": "case detail", "endpoint": "", "case_id": r["case_id"], "audit_id": None}
                      for r in old])
    op.drop_index("ix_case_reads_case", "case_reads")
    op.drop_table("case_reads")


def downgrade() -> None:
    op.create_table("case_reads", *_case_reads_columns())
    op.create_index("ix_case_reads_case", "case_reads", ["case_id"])
    bind = op.get_bind()
    rows = [{"read_id": f"access-log-{r['seq']}", "case_id": r["case_id"], "subject": r["subject"],
             "agency": r["agency"], "read_at": r["read_at"]}
            for r in bind.execute(sa.select(access_log).where(access_log.c.case_id.is_not(None))).mappings()]
    if rows:
        bind.execute(sa.insert(case_reads), rows)
    op.drop_table("access_log")
