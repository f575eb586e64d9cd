"""Use cases: queue the messages an event owes (once), dispatch what is queued (once), read the log."""
