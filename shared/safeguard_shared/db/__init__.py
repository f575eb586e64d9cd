from .appends import append, defer_appends, deferred, write_appends
from .engine import (
    begin_for_savepoints,
    create_engine,
    dialect_insert,
    insert_if_new,
    is_postgres,
    one_writer_at_a_time,
    select_for_update,
    session_factory,
)
from .tables import add_bus_tables

__all__ = ["add_bus_tables", "append", "begin_for_savepoints", "create_engine", "defer_appends", "deferred",
           "dialect_insert", "insert_if_new", "is_postgres", "one_writer_at_a_time", "select_for_update",
           "session_factory", "write_appends"]
