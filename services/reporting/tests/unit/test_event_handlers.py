"""Reporting's one handler table: every producer's stream is read, and each contract's projection
is the same for the live consumer and the replay."""
from __future__ import annotations

from datetime import UTC, date, datetime

from reporting.application.event_handlers import EVENT_HANDLERS
from reporting.application.rebuild import rows_from_json
from safeguard_shared.bus.dispatch import producers
from safeguard_shared.bus.names import PRODUCERS
from safeguard_shared.contracts.scheduling import DeadlineScheduled


def test_the_durable_consumer_reads_every_producers_stream():
    assert producers(EVENT_HANDLERS) == sorted(PRODUCERS)


def test_the_replay_sets_the_rows_the_table_says():
    event = DeadlineScheduled(deadline_id="d1", key="rr.complete", case_id="c1", due=date(2027, 1, 14),
                              description="the rapid review is completed")
    at = datetime(2026, 12, 21, 10, tzinfo=UTC)
    [projection] = EVENT_HANDLERS[DeadlineScheduled]
    raw = event.envelope(producer="scheduling", occurred_at=at).to_json()
    assert rows_from_json(raw) == projection.rows(event, at)
    [row] = projection.rows(event, at)
    assert (row.values["description"], row.values["scheduled_on"]) == ("the rapid review is completed",
                                                                       date(2026, 12, 21))
