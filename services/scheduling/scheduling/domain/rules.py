"""The timescale rules of docs/framework.md as the domain uses them: each rule, the book of them,
and the due dates they give. Loading them from data (the bundled rules file and a partnership's
local override) is in rules_file.py; a RuleBook is immutable, so there is no module-level state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .calendar import ComputedDate, Offset, WorkingDayCalendar

__all__ = ["DueDate", "MissingAnchorError", "Rule", "RuleBook", "RulesError", "WhoActs"]


class RulesError(ValueError):
    """The rules (or a local override) are invalid; nothing was loaded.

    `key` and `field` name the first problem (e.g. "rr.complete", "offset.weeks"); `problems`
    lists every problem found as (key, field, message).
    """

    def __init__(self, problems: list[tuple[str | None, str | None, str]], where: str) -> None:
        self.problems = problems
        self.key, self.field = problems[0][0], problems[0][1]
        lines = []
        for key, fld, msg in problems:
            subject = ", ".join(filter(None, [f"rule {key!r}" if key else None,
                                              f"field {fld!r}" if fld else None]))
            lines.append(f"{where}: {subject}: {msg}" if subject else f"{where}: {msg}")
        super().__init__("\n".join(lines))


class MissingAnchorError(KeyError):
    """A due date was asked for before the date its clock starts from is known."""

    def __str__(self) -> str:
        return str(self.args[0])



@dataclass(frozen=True)
class WhoActs:
    agency: str | None  # an agency, "each_involved_agency", "safeguarding_partners", or None
    role: str


@dataclass(frozen=True)
class Rule:
    """One timescale: what is due, from which anchor, how far from it, and what meets it."""

    key: str
    what: str
    source: tuple[str, ...]
    anchor: str
    offset: Offset
    # The facts that meet it, all of them (a notice owed to two recipients is met when both have it),
    # on the date of the last one recorded. Most rules have one.
    met_by: tuple[str, ...]
    who_acts: WhoActs
    # The endings (a SAR screened out, not convened …) that make this duty moot: the clock closes.
    closed_by: tuple[str, ...] = ()
    window_from: Offset | None = None
    target: Offset | None = None
    per_agency: bool = False
    provides: str | None = None
    repeats: Offset | None = None
    until: str | None = None
    enabled: bool = True
    note: str | None = None
    locally_changed: frozenset[str] = frozenset()  # fields the partnership's override set

    @property
    def process(self) -> str:
        """"rr", "cspr", "sar", "macfa" or "training"."""
        return self.key.split(".", 1)[0]

    @property
    def is_local(self) -> bool:
        return "L" in self.source

    @property
    def is_statutory(self) -> bool:
        """Set by statute or statutory guidance: Working Together (WT) or the Care Act 2014 (CA)."""
        return bool({"WT", "CA"} & set(self.source))


@dataclass(frozen=True)
class DueDate:
    """When a rule falls due for one set of anchors, and why."""

    rule: Rule
    anchor_date: dt.date
    due: ComputedDate
    window_start: ComputedDate | None = None
    target: ComputedDate | None = None
    # Set when the anchor was not recorded yet and another rule's due date stood in for it.
    anchor_projected_from: DueDate | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return self.rule.key

    @property
    def explanation(self) -> str:
        rule = self.rule
        parts = [f"{rule.key} ({rule.what}) is due by {self.due.date.isoformat()}, counted from "
                 f"{rule.anchor} {self.anchor_date.isoformat()}: {self.due.explanation}"]
        if self.window_start is not None:
            parts.append(f"The window opens on {self.window_start.date.isoformat()}: "
                         f"{self.window_start.explanation}")
        if self.target is not None:
            parts.append(f"The target is {self.target.date.isoformat()}: {self.target.explanation}")
        if self.anchor_projected_from is not None:
            parts.append(f"{rule.anchor} is not recorded yet, so it is planned from "
                         f"{self.anchor_projected_from.rule.key}: "
                         f"{self.anchor_projected_from.explanation}")
        if rule.locally_changed:
            parts.append(f"Set locally: {', '.join(sorted(rule.locally_changed))}.")
        return " ".join(parts)


class RuleBook:
    """The loaded, validated rules. Immutable; load_rules builds a new one each time."""

    def __init__(self, version: int, rules: Mapping[str, Rule], anchors: Mapping[str, str],
                 closures: Mapping[dt.date, str], endings: Mapping[str, str] | None = None) -> None:
        self.version = version
        self._rules = MappingProxyType(dict(rules))
        self.anchors = MappingProxyType(dict(anchors))  # name -> what the date means
        self.closures = MappingProxyType(dict(closures))
        self.endings = MappingProxyType(dict(endings or {}))  # name -> what ended, in words
        self._providers = {r.provides: r for r in self._rules.values() if r.provides}

    def __repr__(self) -> str:
        return f"<RuleBook version={self.version} rules={len(self._rules)}>"

    def __contains__(self, key: object) -> bool:
        return key in self._rules

    def get(self, key: str) -> Rule:
        try:
            return self._rules[key]
        except KeyError:
            raise KeyError(f"no timescale rule {key!r} (rules version {self.version})") from None

    def all(self, *, include_disabled: bool = False) -> tuple[Rule, ...]:
        """The rules in file order; a rule the partnership disabled only when asked for."""
        return tuple(r for r in self._rules.values() if include_disabled or r.enabled)

    def met_by(self, fact: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.all() if fact in r.met_by)

    def provider_of(self, anchor: str) -> Rule | None:
        """The rule whose due date stands in for `anchor` until it is recorded (macfa.audit_date for audit_on)."""
        return self._providers.get(anchor)

    def hangs_on(self, rule: Rule | str, anchor: str, recorded: Mapping[str, dt.date | None]) -> bool:
        """Whether `rule`'s due date moves with `anchor`: counted from it, or from an anchor not recorded
        yet and planned from a rule that hangs on it (MACFA's steps on the QA sub-group meeting)."""
        current = self.get(rule) if isinstance(rule, str) else rule
        seen: set[str] = set()
        while current.anchor != anchor:
            provider = None if recorded.get(current.anchor) else self._providers.get(current.anchor)
            if provider is None or provider.key in seen:
                return False
            seen.add(provider.key)
            current = provider
        return True

    def closed_by(self, ending: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.all() if ending in r.closed_by)

    def calendar(self) -> WorkingDayCalendar:
        """The working-day calendar with this partnership's closure days."""
        return WorkingDayCalendar(self.closures)

    def due_for(self, rule: Rule | str, anchors: Mapping[str, dt.date | None],
                calendar: WorkingDayCalendar) -> DueDate:
        """The due date (and window start, and target) of `rule` for these anchor dates.

        An anchor that is not in `anchors` (or is None) but that another rule `provides` is taken
        from that rule's due date, computed first: MACFA plans backward from the QA sub-group
        meeting through audit_on. The result says when that happened.
        """
        return self._due(self.get(rule) if isinstance(rule, str) else rule, anchors, calendar, ())

    def occurrences(self, rule: Rule | str, anchors: Mapping[str, dt.date | None],
                    calendar: WorkingDayCalendar) -> tuple[ComputedDate, ...]:
        """Every occurrence of a recurring duty (the monthly SAR panel), up to its `until` rule's
        due date. Each is counted from the anchor, not from the previous one, so month ends and
        rolled-back dates do not drift. A rule that does not repeat has one occurrence."""
        first = self.due_for(rule, anchors, calendar)
        rule = first.rule
        if rule.repeats is None or rule.until is None:
            return (first.due,)
        end = self.due_for(rule.until, anchors, calendar).due.date
        found, k = [first.due], 1
        while True:
            nxt = calendar.apply(first.anchor_date, rule.offset + rule.repeats.times(k))
            if nxt.date > end:
                return tuple(found)
            found.append(nxt)
            k += 1

    def _due(self, rule: Rule, anchors: Mapping[str, dt.date | None],
             calendar: WorkingDayCalendar, seen: tuple[str, ...]) -> DueDate:
        projected: DueDate | None = None
        anchor_date = anchors.get(rule.anchor)
        if anchor_date is None:
            provider = self._providers.get(rule.anchor)
            if provider is None or provider.key in seen or provider.key == rule.key:
                raise MissingAnchorError(
                    f"{rule.key} needs {rule.anchor} ({self.anchors.get(rule.anchor, '?')}), "
                    f"which is not known yet")
            try:
                projected = self._due(provider, anchors, calendar, seen + (rule.key,))
            except MissingAnchorError as exc:
                raise MissingAnchorError(
                    f"{rule.key} needs {rule.anchor}, which is not known yet, and cannot be "
                    f"planned from {provider.key} either: {exc}") from None
            anchor_date = projected.due.date
        def at(offset: Offset | None) -> ComputedDate | None:
            return calendar.apply(anchor_date, offset) if offset is not None else None

        return DueDate(rule=rule, anchor_date=anchor_date,
                       due=calendar.apply(anchor_date, rule.offset),
                       window_start=at(rule.window_from), target=at(rule.target),
                       anchor_projected_from=projected)
