"""The programme of the audit session and learning event, and each invitee's times. No I/O."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .errors import Problem

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _time_ok(value: str) -> bool:
    return bool(_TIME.match(value or ""))


def check_programme(programme: Sequence[Mapping[str, str]],
                    invitees: Sequence[Mapping[str, str]]) -> list[Problem]:
    """Times are "HH:MM" and run forward; every invitee is needed within the programme's span."""
    problems: list[Problem] = []
    if not programme:
        problems.append(Problem(("body", "programme"), "the programme needs at least one item"))
    if not invitees:
        problems.append(Problem(("body", "invitees"), "invite at least one agency"))
    spans = []
    for n, item in enumerate(programme):
        where = ("body", "programme", str(n))
        start, end = item.get("starts_at", ""), item.get("ends_at", "")
        if not (_time_ok(start) and _time_ok(end)):
            problems.append(Problem(where, "starts_at and ends_at are times of day, HH:MM"))
        elif start >= end:
            problems.append(Problem(where + ("ends_at",), "a programme item ends after it starts"))
        else:
            spans.append((start, end))
    first, last = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else (None, None)
    for n, who in enumerate(invitees):
        where = ("body", "invitees", str(n))
        start, end = who.get("required_from", ""), who.get("required_until", "")
        if not (_time_ok(start) and _time_ok(end)):
            problems.append(Problem(where, "required_from and required_until are times of day, HH:MM"))
        elif start >= end:
            problems.append(Problem(where + ("required_until",), "an invitee's time ends after it starts"))
        elif first and last and (start < first or end > last):
            problems.append(Problem(where, f"the invitee's time {start}–{end} falls outside the programme "
                                           f"({first}–{last})"))
    return problems
