"""Training surveys go to real people: the trainee's and the manager's e-mail addresses (kept here and
nowhere else), and the day a survey's message was asked for and its link's last day.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("training_completions", sa.Column("trainee_email", sa.String(320), nullable=True))
    op.add_column("training_completions", sa.Column("manager_email", sa.String(320), nullable=True))
    op.add_column("training_surveys", sa.Column("requested_on", sa.Date(), nullable=True))
    op.add_column("training_surveys", sa.Column("link_expires_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("training_surveys", "link_expires_on")
    op.drop_column("training_surveys", "requested_on")
    op.drop_column("training_completions", "manager_email")
    op.drop_column("training_completions", "trainee_email")
