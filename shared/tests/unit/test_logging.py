"""A failure is logged so that whoever must fix it can find where it happened, and nothing of what
the failing request held: the exception's type and the frames it was raised through, never its message
(a database error's message holds the row it could not write)."""
from __future__ import annotations

import json
import logging
import sys

from safeguard_shared.logging import JsonFormatter


def _open_the_case(reference: str) -> None:
    raise ValueError(f"UNIQUE constraint failed: cases.case_ref ({reference}, Jamie Smith, 2015-04-02)")


def test_a_failure_is_logged_with_where_it_happened_and_none_of_its_message():
    logger = logging.getLogger("test.logging")
    try:
        _open_the_case("C-1029")
    except ValueError:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "Exception in ASGI application",
                                   (), exc_info=sys.exc_info())
    line = JsonFormatter("referrals").format(record)
    logged = json.loads(line)

    assert logged["error_type"] == "ValueError"
    assert logged["where"][-1].endswith(f"in {_open_the_case.__name__}")
    assert logged["where"][-1].startswith("tests/unit/test_logging.py:")
    assert any(frame.endswith("in test_a_failure_is_logged_with_where_it_happened_and_none_of_its_message")
               for frame in logged["where"])
    for held in ("C-1029", "Jamie", "2015-04-02", "UNIQUE"):
        assert held not in line


def test_a_service_that_fails_to_start_logs_the_failures_type_and_frames_not_its_traceback_text():
    """uvicorn logs a start-up failure (the application's lifespan) as the traceback's text, message
    included: the log keeps the exception's type and where it was raised, and not its message."""
    import traceback

    try:
        _open_the_case("C-2044")
    except ValueError:
        text = traceback.format_exc()
    logger = logging.getLogger("uvicorn.error")
    line = JsonFormatter("referrals").format(
        logger.makeRecord(logger.name, logging.ERROR, __file__, 1, text, (), None))
    logged = json.loads(line)

    assert logged["error_type"] == "ValueError"
    assert logged["where"][-1].endswith(f"in {_open_the_case.__name__}")
    for held in ("C-2044", "Jamie", "2015-04-02", "UNIQUE"):
        assert held not in line


def test_another_librarys_message_is_logged_without_the_values_it_was_formatted_with():
    """A library's warning keeps its constant text; the values it formats into it (a statement's
    parameters, a message's body) are left out."""
    logger = logging.getLogger("sqlalchemy.pool")
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "Rolled back %r with %s",
                               ("row", "Jamie Smith"), None)
    logged = json.loads(JsonFormatter("referrals").format(record))
    assert logged["msg"] == "Rolled back %r with %s"
    assert "Jamie" not in json.dumps(logged)


def test_the_web_servers_own_lines_keep_their_address():
    logger = logging.getLogger("uvicorn.error")
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "Uvicorn running on %s://%s:%d",
                               ("http", "127.0.0.1", 8101), None)
    assert json.loads(JsonFormatter("referrals").format(record))["msg"] == "Uvicorn running on http://127.0.0.1:8101"
