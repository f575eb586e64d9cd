"""The shared access log (safeguard_shared.access_log) replaces ``message_reads``: its rows are
carried over, oldest first, as the first rows of the chain, each with its message's case or audit
and the message it was (recorded before the log knew roles, so those are empty).

Revision ID: 0005
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

from safeguard_shared.access_log import access_log_migration_ops, carry_over
from safeguard_shared.db.types import UTCDateTime

revision = "0005"
down_revision = "0004"

WHAT = {"body": "notifications", "eml": "message as sent", "pdf": "letter"}
ENDPOINT = {"body": "GET /v1/notifications", "eml": "GET /v1/notifications/{}/message.eml",
            "pdf": "GET /v1/notifications/{}/letter.pdf"}


def _message_reads_columns() -> list[sa.Column[Any]]:
    return [sa.Column("read_id", sa.String(36), primary_key=True),
            sa.Column("notification_id", sa.String(36), nullable=False), sa.Column("what", sa.String(20), nullable=False),
            sa.Column("subject", sa.String(200), nullable=False), sa.Column("agency", sa.String(60), nullable=False),
            sa.Column("read_at", UTCDateTime(), nullable=False)]


message_reads = sa.Table("message_reads", sa.MetaData(), *_message_reads_columns())
notifications = sa.Table("notifications", sa.MetaData(), sa.Column("notification_id", sa.String(36)),
                         sa.Column("case_id", sa.String(36)), sa.Column("audit_id", sa.String(36)))


def upgrade() -> None:
    access_log_migration_ops(op)
    bind = op.get_bind()
    m, n = message_reads, notifications
    old = bind.execute(sa.select(m, n.c.case_id, n.c.audit_id).select_from(
        m.outerjoin(n, n.c.notification_id == m.c.notification_id)).order_by(m.c.read_at, m.c.read_id)).mappings()
    carry_over(bind, [{"read_at": r["read_at"], "subject": r["subject"], "agency": r["agency"], "roles": "",
                       "operation": WHAT.get(r["what"], r["what"]),
                       "endpoint": ENDPOINT.get(r["what"], "").format(r["notification_id"]),
                       "case_id": r["case_id"], "audit_id": r["audit_id"]} for r in old])
    op.drop_index("ix_message_reads_notification", "message_reads")
    op.drop_table("message_reads")


def downgrade() -> None:
    # The reads recorded since go with the access log: the older table cannot hold a read of a whole list.
    op.create_table("message_reads", *_message_reads_columns())
    op.create_index("ix_message_reads_notification", "message_reads", ["notification_id"])
    op.drop_table("access_log")
