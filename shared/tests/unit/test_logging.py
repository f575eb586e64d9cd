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
