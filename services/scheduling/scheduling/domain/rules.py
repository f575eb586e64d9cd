"""The timescale rules of docs/framework.md, loaded from data, and the due dates they give.

Every rule is data (rules/timescales.yaml, bundled with the package), so a partnership changes a
local default (L) or a timescale that guidance later changes by configuration: a local override
file. Loading validates the whole result before anything is returned, so a bad override raises
RulesError and leaves nothing half-loaded; there is no module-level state to poison.

The only I/O here is reading the rules files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from .calendar import ComputedDate, Offset, WorkingDayCalendar

__all__ = ["DueDate", "MissingAnchorError", "Rule", "RuleBook", "RulesError", "WhoActs",
           "load_rules"]

UNITS = ("working_days", "weeks", "months", "calendar_days")
# Generous bounds: beyond them an amount is a typo (a year of working days is about 253).
_LIMITS = {"working_days": 260, "weeks": 104, "months": 36, "calendar_days": 730}
# What a local override may change: the timescale of any rule, anything of a local (L) rule.
_TIMESCALE_FIELDS = frozenset({"anchor", "offset", "window_from", "target"})
_LOCAL_FIELDS = frozenset({"what", "who_acts", "per_agency", "enabled"})

_Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
_RuleKey = Annotated[str, Field(pattern=r"^(rr|cspr|sar|macfa|training)\.[a-z][a-z0-9_]*$")]
Role = Literal["referrer", "safeguarding_lead", "business_unit", "panel_member",
               "independent_chair", "qa_lead", "admin"]
Source = Literal["F", "WT", "CA", "L"]


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


# ---------------------------------------------------------------------------------------------
# The file format (pydantic): only here, so the rest of the domain works on plain dataclasses.


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _OffsetSpec(_Strict):
    working_days: StrictInt = 0
    weeks: StrictInt = 0
    months: StrictInt = 0
    calendar_days: StrictInt = 0

    def to_offset(self) -> Offset:
        return Offset(self.working_days, self.weeks, self.months, self.calendar_days)


class _WhoActsSpec(_Strict):
    agency: _Name | None
    role: Role


class _AnchorSpec(_Strict):
    kind: Literal["fact", "planned"]
    means: str = Field(min_length=1)


class _RuleSpec(_Strict):
    what: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    anchor: _Name
    offset: _OffsetSpec
    window_from: _OffsetSpec | None = None
    target: _OffsetSpec | None = None
    per_agency: StrictBool = False
    met_by: _Name
    who_acts: _WhoActsSpec
    provides: _Name | None = None
    repeats: _OffsetSpec | None = None
    until: _RuleKey | None = None
    enabled: StrictBool = True
    note: str | None = None


class _RulesFile(_Strict):
    version: StrictInt = Field(ge=1)
    anchors: dict[_Name, _AnchorSpec]
    closures: dict[dt.date, Annotated[str, Field(min_length=1)]] = {}
    rules: dict[_RuleKey, _RuleSpec]


class _RuleOverride(_Strict):
    anchor: _Name | None = None
    offset: _OffsetSpec | None = None
    window_from: _OffsetSpec | None = None
    target: _OffsetSpec | None = None
    what: str | None = Field(default=None, min_length=1)
    who_acts: _WhoActsSpec | None = None
    per_agency: StrictBool | None = None
    enabled: StrictBool | None = None


class _OverrideFile(_Strict):
    version: StrictInt
    closures: dict[dt.date, Annotated[str, Field(min_length=1)]] = {}
    rules: dict[str, _RuleOverride] = {}


# ---------------------------------------------------------------------------------------------
# The domain objects


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
    met_by: str
    who_acts: WhoActs
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
                 closures: Mapping[dt.date, str]) -> None:
        self.version = version
        self._rules = MappingProxyType(dict(rules))
        self.anchors = MappingProxyType(dict(anchors))  # name -> what the date means
        self.closures = MappingProxyType(dict(closures))
        self._providers = {r.provides: r for r in self._rules.values() if r.provides}

    def __repr__(self) -> str:
        return f"<RuleBook version={self.version} rules={len(self._rules)}>"

    def get(self, key: str) -> Rule:
        try:
            return self._rules[key]
        except KeyError:
            raise KeyError(f"no timescale rule {key!r} (rules version {self.version})") from None

    def all(self, *, include_disabled: bool = False) -> tuple[Rule, ...]:
        """The rules in file order; a rule the partnership disabled only when asked for."""
        return tuple(r for r in self._rules.values() if include_disabled or r.enabled)

    def started_by(self, anchor: str) -> tuple[Rule, ...]:
        """The rules whose clock starts from `anchor` (what to schedule when that date is known)."""
        return tuple(r for r in self.all() if r.anchor == anchor)

    def met_by(self, fact: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.all() if r.met_by == fact)

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


# ---------------------------------------------------------------------------------------------
# Loading


def load_rules(path: str | Path | None = None, override_path: str | Path | None = None) -> RuleBook:
    """Load the rules (the bundled timescales.yaml unless `path` is given), apply a partnership's
    local override file if given, validate the result whole, and return it. Raises RulesError."""
    if path is None:
        where = "bundled rules timescales.yaml"
        text = resources.files("scheduling.rules").joinpath("timescales.yaml").read_text("utf-8")
    else:
        where = f"rules file {path}"
        text = _read(path, where)
    raw = _parse(text, where)
    base = _validate(_RulesFile, raw, where)
    _check(base, where)
    changed: dict[str, frozenset[str]] = {}
    if override_path is not None:
        where = f"override file {override_path}"
        override = _validate(_OverrideFile, _parse(_read(override_path, where), where), where)
        raw, changed = _merge(base, override, where)
        base = _validate(_RulesFile, raw, where)
        _check(base, where)
    return _book(base, changed)


def _read(path: str | Path, where: str) -> str:
    try:
        return Path(path).read_text("utf-8")
    except OSError as exc:
        raise RulesError([(None, None, f"cannot read it ({exc.strerror or exc})")], where) from exc


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a copied rule would hide another."""


def _no_duplicates(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)
# Leave dates as text for pydantic: YAML's own date parsing fails on 2026-13-01 with a bare
# ValueError that cannot say which closure day was wrong.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _parse(text: str, where: str) -> Any:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, TypeError, ValueError) as exc:  # TypeError: a list used as a key
        raise RulesError([(None, None, f"not valid YAML: {exc}")], where) from exc
    if not isinstance(data, dict):
        raise RulesError([(None, None, "expected a mapping with version and rules")], where)
    # One value or a list: `source: F` reads better than `source: [F]` for most rows.
    rules = data.get("rules")
    for spec in rules.values() if isinstance(rules, dict) else ():
        if isinstance(spec, dict) and isinstance(spec.get("source"), str):
            spec["source"] = [spec["source"]]
    return data


def _validate(model: type[BaseModel], raw: Any, where: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RulesError([_problem(err) for err in exc.errors()], where) from None


def _problem(err: Any) -> tuple[str | None, str | None, str]:
    loc = [str(part) for part in err["loc"]]
    key = None
    if len(loc) >= 2 and loc[0] == "rules":
        key, loc = loc[1], loc[2:]
    msg = err["msg"]
    if loc and loc[-1] == "[key]":  # pydantic's place for a mapping key that failed
        loc = loc[:-1]
        msg = f"not a valid key: {msg}"
    name = ".".join(part for part in loc if not part.startswith(("function-", "literal[")))
    if err["type"] == "extra_forbidden":
        parent = loc[-2] if len(loc) >= 2 else ""
        msg = (f"unknown unit; units are {', '.join(UNITS)}"
               if parent in ("offset", "window_from", "target", "repeats")
               else "unknown field")
    return key, name or None, msg


def _check(rules_file: _RulesFile, where: str) -> None:
    """Cross-field rules pydantic cannot see field by field; every problem is reported at once."""
    problems: list[tuple[str | None, str | None, str]] = []
    anchors = rules_file.anchors
    providers: dict[str, str] = {}
    for key, spec in rules_file.rules.items():
        def bad(fld: str, msg: str, key: str = key) -> None:
            problems.append((key, fld, msg))

        if spec.anchor not in anchors:
            bad("anchor", f"unknown anchor {spec.anchor!r}; anchors are {', '.join(anchors)}")
        for name in ("offset", "window_from", "target", "repeats"):
            offset_spec = getattr(spec, name)
            if offset_spec is None:
                continue
            for unit in UNITS:
                amount = getattr(offset_spec, unit)
                if abs(amount) > _LIMITS[unit]:
                    bad(f"{name}.{unit}", f"{amount} is not a plausible amount "
                                          f"(at most {_LIMITS[unit]} {unit})")
            try:
                offset = offset_spec.to_offset()
            except ValueError as exc:
                bad(name, str(exc))
                continue
            anchor = anchors.get(spec.anchor)
            if offset.sign < 0 and anchor is not None and anchor.kind == "fact":
                bad(name, f"counts backward from {spec.anchor}, a date recorded when something "
                          f"happened: a duty cannot fall due before its clock starts")
        if spec.window_from is not None and spec.window_from.to_offset().approx_days() > \
                spec.offset.to_offset().approx_days():
            bad("window_from", "the window opens after it closes (window_from is later than "
                               "offset)")
        if spec.target is not None and spec.target.to_offset().approx_days() > \
                spec.offset.to_offset().approx_days():
            bad("target", "the target is later than the latest date (offset)")
        if (spec.repeats is None) != (spec.until is None):
            bad("repeats", "repeats and until go together")
        if spec.repeats is not None and spec.repeats.to_offset().sign <= 0:
            bad("repeats", "a recurring duty must repeat forward in time")
        if spec.until is not None and spec.until not in rules_file.rules:
            bad("until", f"no rule {spec.until!r}")
        if spec.provides is not None:
            if spec.provides not in anchors:
                bad("provides", f"unknown anchor {spec.provides!r}")
            elif spec.provides in providers:
                bad("provides",
                    f"{spec.provides} is already provided by {providers[spec.provides]}")
            providers[spec.provides] = key
    # A chain of provided anchors must end at a recorded date, not loop back on itself.
    for key in rules_file.rules:
        chain, cur = [key], key
        while (nxt := providers.get(rules_file.rules[cur].anchor)) is not None:
            if nxt in chain:
                loop = " -> ".join(chain + [nxt])
                problems.append((key, "anchor", f"anchors form a loop: {loop}"))
                break
            chain.append(nxt)
            cur = nxt
    if problems:
        raise RulesError(problems, where)


def _merge(base: _RulesFile, override: _OverrideFile,
           where: str) -> tuple[dict[str, Any], dict[str, frozenset[str]]]:
    """The bundled rules with the override applied, as raw data to validate again whole."""
    problems: list[tuple[str | None, str | None, str]] = []
    if override.version != base.version:
        problems.append((None, "version", f"the override is for rules version {override.version}, "
                                          f"but the rules are version {base.version}"))
    raw = base.model_dump(mode="python")
    changed: dict[str, frozenset[str]] = {}
    for key, rule_override in override.rules.items():
        if key not in base.rules:
            problems.append((key, None, "unknown rule; an override may only change existing rules"))
            continue
        spec = base.rules[key]
        given = rule_override.model_fields_set
        for fld in sorted(given):
            if fld in _LOCAL_FIELDS and "L" not in spec.source:
                problems.append((key, fld, f"only a local (L) rule may change {fld}; the source "
                                           f"of {key} is {', '.join(spec.source)}"))
            elif fld in ("anchor", "offset") and getattr(rule_override, fld) is None:
                problems.append((key, fld, "cannot be removed"))
        old_sign = spec.offset.to_offset().sign
        if rule_override.offset is not None and old_sign != 0:
            try:
                new_sign = rule_override.offset.to_offset().sign
            except ValueError:
                new_sign = old_sign  # reported when the merged rules are validated
            if new_sign != old_sign:
                way = {1: "after", 0: "on", -1: "before"}
                problems.append((key, "offset", f"would turn a duty due {way[old_sign]} its "
                                                f"anchor into one due {way[new_sign]} it"))
        for fld in given:
            value = getattr(rule_override, fld)
            raw["rules"][key][fld] = value.model_dump() if isinstance(value, BaseModel) else value
        changed[key] = frozenset(given)
    if problems:
        raise RulesError(problems, where)
    raw["closures"] = {**raw["closures"], **override.closures}
    return raw, changed


def _book(rules_file: _RulesFile, changed: Mapping[str, frozenset[str]]) -> RuleBook:
    def offset(spec: _OffsetSpec | None) -> Offset | None:
        return spec.to_offset() if spec is not None else None

    rules = {
        key: Rule(
            key=key, what=spec.what, source=tuple(spec.source), anchor=spec.anchor,
            offset=spec.offset.to_offset(), met_by=spec.met_by,
            who_acts=WhoActs(spec.who_acts.agency, spec.who_acts.role),
            window_from=offset(spec.window_from), target=offset(spec.target),
            per_agency=spec.per_agency, provides=spec.provides, repeats=offset(spec.repeats),
            until=spec.until, enabled=spec.enabled, note=spec.note,
            locally_changed=changed.get(key, frozenset()))
        for key, spec in rules_file.rules.items()
    }
    return RuleBook(rules_file.version, rules,
                    {name: a.means for name, a in rules_file.anchors.items()},
                    rules_file.closures)
