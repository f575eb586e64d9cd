from alembic import context

from safeguard_shared.db.migrate import run_env

run_env(context)
