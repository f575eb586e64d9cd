"""What a durable consumer is filtered on, by the event types it answers and the server it meets."""
from __future__ import annotations

from safeguard_shared.bus.pull import filters

WHOLE = "ns.scheduling.>"
SCHEDULED, DUE_SOON = "ns.scheduling.deadline.scheduled", "ns.scheduling.deadline.due_soon"


def test_several_types_answered_are_the_filter_on_nats_2_10_and_later():
    assert filters((SCHEDULED, DUE_SOON), WHOLE, (2, 10)) == sorted([SCHEDULED, DUE_SOON])
    assert filters((SCHEDULED, DUE_SOON), WHOLE, (2, 15)) == sorted([SCHEDULED, DUE_SOON])


def test_nats_2_9_filters_on_one_subject_so_a_consumer_answering_several_reads_the_whole_stream():
    assert filters((SCHEDULED, DUE_SOON), WHOLE, (2, 9)) == [WHOLE]


def test_one_type_answered_is_the_filter_on_every_server():
    assert filters((SCHEDULED,), WHOLE, (2, 9)) == [SCHEDULED]
    assert filters((SCHEDULED,), WHOLE, (2, 15)) == [SCHEDULED]


def test_a_consumer_that_names_no_types_reads_the_whole_stream():
    assert filters((), WHOLE, (2, 15)) == [WHOLE]
