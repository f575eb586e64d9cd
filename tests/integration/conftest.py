"""Fixtures shared by the cross-service scenarios that read their e-mail from a real SMTP server."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from safeguard_shared.clock import ManualClock
from safeguard_shared.partnership import LONDON
from safeguard_testing.apps import running
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


@pytest.fixture
async def case_services(databases, nats_url, bus_namespace, tmp_path, issuer, over_smtp):
    """The referrals, scheduling and notifications services, sending through ``smtp_server``, on a clock
    the test moves (9am on Monday 21 December 2026): ``(services by name, clock)``."""
    clock = ManualClock(datetime.combine(date(2026, 12, 21), time(9), tzinfo=LONDON).astimezone(UTC))
    async with running(("referrals", "scheduling", "notifications"), databases=databases, nats_url=nats_url,
                       bus_namespace=bus_namespace, data_dir=tmp_path, issuer=issuer, clock=clock,
                       settings={"notifications": over_smtp}) as started:
        yield started, clock
