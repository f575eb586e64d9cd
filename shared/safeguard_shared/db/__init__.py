from .engine import create_engine, insert_for, is_postgres, select_for_update, session_factory
from .tables import add_bus_tables

__all__ = ["add_bus_tables", "create_engine", "insert_for", "is_postgres", "select_for_update",
           "session_factory"]
