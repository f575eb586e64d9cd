"""The one table of which use case answers which event: the streams it subscribes to are the three
the service always read, and each use case is given only the dependencies it names."""
from __future__ import annotations

import functools

from notifications.application import deadlines, referrals
from notifications.application.event_handlers import EVENT_HANDLERS, bind
from safeguard_shared.bus.dispatch import producers
from safeguard_shared.contracts.referrals import CaseOpened
from safeguard_shared.contracts.scheduling import DeadlineScheduled


def test_the_durable_consumer_reads_the_referrals_scheduling_and_audits_streams():
    assert producers(EVENT_HANDLERS) == ["audits", "referrals", "scheduling"]


def test_each_use_case_gets_the_dependencies_it_names_and_no_other():
    outgoing = object()
    table = bind(EVENT_HANDLERS, outgoing=outgoing)
    [opened] = table[CaseOpened]
    assert isinstance(opened, functools.partial) and opened.func is referrals.when_case_opened_send_statutory_notices
    assert opened.keywords == {"outgoing": outgoing}
    [remember] = table[DeadlineScheduled]
    assert remember is deadlines.when_an_audit_date_is_set_remember_it, "it writes no message: no outgoing"
