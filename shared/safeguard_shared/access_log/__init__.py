"""The access log: every read of case-level data, in the store of the service that answered it.

A use case that reads a case (or an audit) records it in the same unit of work:
``await access_log.record(uow, reader, Read("case history", case_id=case_id))``. Each row says who
(subject, agency, roles), what (the operation in words and the endpoint), of which case or audit, and
when (the real time). Rows form a hash chain (chain.py), checked by ``safeguard access-log verify``;
the business unit and admins read it through ``access_log_router()`` as JSON or CSV.
"""
from .chain import GENESIS, Verdict, row_hash
from .store import (
    Filters,
    Read,
    RememberEndpoint,
    access_log,
    access_log_migration_ops,
    add_access_log_table,
    carry_over,
    record,
    verify,
)

__all__ = ["GENESIS", "Filters", "Read", "RememberEndpoint", "Verdict", "access_log", "access_log_migration_ops",
           "add_access_log_table", "carry_over", "record", "row_hash", "verify"]
