"""Which clocks start when something happens: policies that read as sentences. No I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ClockStart:
    key: str
    anchors: dict[str, date]
    agency: str = ""


def when_child_case_opened_start_the_rapid_review_clocks(
    *, received_on: date, became_aware_on: date | None, rapid_review: bool, notices_owed: list[str],
    panel_notice_awaiting_confirmation: bool = False,
) -> list[ClockStart]:
    anchors = {"received_on": received_on}
    if became_aware_on:
        anchors["became_aware_on"] = became_aware_on
    starts: list[ClockStart] = []
    # The Panel's 5-day clock runs from awareness even while the notice awaits the local authority.
    if ("national_panel" in notices_owed or panel_notice_awaiting_confirmation) and became_aware_on:
        starts.append(ClockStart("rr.panel_notified", anchors))
    if "secretary_of_state" in notices_owed and became_aware_on:
        starts.append(ClockStart("rr.lac_death_notified", anchors))
    if rapid_review:
        starts.append(ClockStart("rr.scoping_sent", anchors))
        starts.append(ClockStart("rr.meeting", anchors))
        if became_aware_on:
            starts.append(ClockStart("rr.complete", anchors))
    return starts
