"""Fixtures shared by the cross-service scenarios that read their e-mail from a real SMTP server."""
from __future__ import annotations

from typing import Any

import pytest

from safeguard_testing.smtp import SmtpServer


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def over_smtp(smtp_server) -> dict[str, Any]:
    """The notifications service's settings that send through ``smtp_server``."""
    return dict(channel="smtp", smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_timeout=10.0)
