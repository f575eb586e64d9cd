"""Loading the timescale rules from data, and the file format.

Every rule is data (rules/timescales.yaml, bundled with the package), so a partnership changes a
local default (L) or a timescale that guidance later changes by configuration: a local override
file. Loading validates the whole result before anything is returned, so a bad override raises
RulesError and leaves nothing half-loaded.

The only I/O here is reading the rules files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from .calendar import Offset
from .rules import Rule, RuleBook, RulesError, WhoActs

__all__ = ["load_rules"]

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


class _EndingSpec(_Strict):
    means: str = Field(min_length=1)


class _RuleSpec(_Strict):
    what: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    anchor: _Name
    offset: _OffsetSpec
    window_from: _OffsetSpec | None = None
    target: _OffsetSpec | None = None
    per_agency: StrictBool = False
    met_by: list[_Name] = Field(min_length=1)
    closed_by: list[_Name] = []
    who_acts: _WhoActsSpec
    provides: _Name | None = None
    repeats: _OffsetSpec | None = None
    until: _RuleKey | None = None
    enabled: StrictBool = True
    note: str | None = None


class _RulesFile(_Strict):
    version: StrictInt = Field(ge=1)
    anchors: dict[_Name, _AnchorSpec]
    endings: dict[_Name, _EndingSpec] = {}
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
    # One value or a list: `source: F` reads better than `source: [F]` for most rows (and `met_by`).
    rules = data.get("rules")
    for spec in rules.values() if isinstance(rules, dict) else ():
        for name in ("source", "met_by"):
            if isinstance(spec, dict) and isinstance(spec.get(name), str):
                spec[name] = [spec[name]]
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
        for ending in spec.closed_by:
            if ending not in rules_file.endings:
                bad("closed_by", f"unknown ending {ending!r}; endings are {', '.join(rules_file.endings) or 'none'}")
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
            offset=spec.offset.to_offset(), met_by=tuple(spec.met_by), closed_by=tuple(spec.closed_by),
            who_acts=WhoActs(spec.who_acts.agency, spec.who_acts.role),
            window_from=offset(spec.window_from), target=offset(spec.target),
            per_agency=spec.per_agency, provides=spec.provides, repeats=offset(spec.repeats),
            until=spec.until, enabled=spec.enabled, note=spec.note,
            locally_changed=changed.get(key, frozenset()))
        for key, spec in rules_file.rules.items()
    }
    return RuleBook(rules_file.version, rules,
                    {name: a.means for name, a in rules_file.anchors.items()},
                    rules_file.closures, {name: e.means for name, e in rules_file.endings.items()})
