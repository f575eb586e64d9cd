"""The child referral form and the API's JSON, one to the other.

Field names are the API's JSON paths (``incident.became_aware_on``), so the page, the API and its
422 answers speak one language. A date arrives as GOV.UK's three fields (``PATH-day``,
``PATH-month``, ``PATH-year``) or as one ISO field named ``PATH``; booleans as ``true``/``false``;
a list as a repeated field. Fields the form does not know (``csrf_token``) are ignored.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .words import AGENCY_NAMES, date_in_words, iso_dates_in_words

FormData = Mapping[str, list[str]]


@dataclass(frozen=True)
class Field:
    path: str
    label: str
    kind: str  # text, textarea, date, bool, choice, agencies, lines (a list, one item a line), rows
    missing: str  # the GOV.UK error when nothing was given
    hint: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True
    # A list of records (the meeting's attendees, a report's recommendations) is a few rows of fields
    # named ``attendees.0.agency``…: each part is (its key, its label, "agency", "text" or "long" text).
    parts: tuple[tuple[str, str, str], ...] = ()
    item: str = ""  # what one row is, for its labels: "Person 1: agency"
    rows: int = 6


YES_NO = (("true", "Yes"), ("false", "No"))
AGENCY_OPTIONS = tuple((code, name) for code, name in AGENCY_NAMES.items() if code != "partnership")

CHILD_REFERRAL = (
    Field("referring_agency", "Which agency is making this referral?", "choice",
          "Select the agency making this referral", options=AGENCY_OPTIONS),
    Field("safeguarding_lead.name", "Name of the safeguarding lead who agreed this referral", "text",
          "Enter the name of the safeguarding lead who agreed this referral",
          hint="Your agency's safeguarding lead must agree a serious incident referral before it is sent."),
    Field("safeguarding_lead.agreed_on", "Date the safeguarding lead agreed it", "date",
          "Enter the date the safeguarding lead agreed the referral", hint="For example, 21 12 2026"),
    Field("received_on", "Date of this referral (optional)", "date", "",
          hint="Leave this blank to use today's date.", required=False),
    Field("child.reference", "Your reference for the child", "text", "Enter your reference for the child",
          hint="For example, your case or crime reference. Do not enter the child's name."),
    Field("child.date_of_birth", "Child's date of birth", "date", "Enter the child's date of birth",
          hint="For example, 2 4 2015"),
    Field("child.looked_after", "Is the child looked after by a local authority?", "bool",
          "Select yes if the child is looked after by a local authority", options=YES_NO),
    Field("child.care_leaver", "Is the young person a care leaver?", "bool", "",
          hint="A care leaver up to the age of 25. Leave this blank if it does not apply.", options=YES_NO,
          required=False),
    Field("incident.occurred_on", "Date the incident happened", "date", "Enter the date the incident happened",
          hint="For example, 19 12 2026"),
    Field("incident.became_aware_on", "Date your agency became aware of the incident", "date",
          "Enter the date your agency became aware of the incident"),
    Field("incident.outcome", "What happened to the child?", "choice", "Select what happened to the child",
          options=(("died", "The child died"), ("seriously_harmed", "The child was seriously harmed"))),
    Field("incident.abuse_or_neglect", "Is abuse or neglect known or suspected?", "choice",
          "Select whether abuse or neglect is known or suspected",
          options=(("known", "Known"), ("suspected", "Suspected"), ("not_suspected", "Not suspected"))),
    Field("incident.summary", "What happened", "textarea", "Enter a summary of what happened",
          hint="The facts known so far. Use references, not names."),
    Field("involved_agencies", "Which agencies are involved with the child or family?", "agencies",
          "Select at least one agency involved with the child or family", hint="Select all that apply.",
          options=AGENCY_OPTIONS),
)
FIELDS = {f.path: f for f in CHILD_REFERRAL}
DATE_PARTS = ("day", "month", "year")
ATTENDEE_PARTS = (("agency", "agency", "agency"), ("name", "name", "text"), ("role", "role", "text"))


def _first(form: FormData, name: str) -> str:
    values = form.get(name) or []
    return values[0].strip() if values else ""


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def _get(source: Mapping[str, Any], path: str) -> Any:
    value: Any = source
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def read_date(form: FormData, path: str, label: str) -> tuple[str | None, str | None]:
    """(ISO date or None, problem or None) from the three GOV.UK fields or one ISO field."""
    parts = {p: _first(form, f"{path}-{p}") for p in DATE_PARTS}
    if not any(parts.values()):
        single = _first(form, path)
        if not single:
            return None, None
        try:
            return date.fromisoformat(single).isoformat(), None
        except ValueError:
            return single, f"{label} must be a real date"
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        return "", f"{label} must include a {' and a '.join(missing)}"
    if not all(re.fullmatch(r"\d+", v) for v in parts.values()) or len(parts["year"]) != 4:
        return "", f"{label} must be a real date, with the year in 4 numbers"
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])).isoformat(), None
    except ValueError:
        return "", f"{label} must be a real date"


def form_to_referral(form: FormData, fields: Iterable[Field] = CHILD_REFERRAL) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's JSON for what was typed, and the problems the form itself can see (dates that are
    not dates). Empty optional fields are left out, so the API applies its defaults; an empty
    required field is left out too, and the API names it."""
    body: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in fields:
        if f.kind == "date":
            value, problem = read_date(form, f.path, f.label.removesuffix(" (optional)"))
            if problem:
                problems[f.path] = problem
            if value is not None:
                _set(body, f.path, value)
        elif f.kind == "agencies":
            values = [v.strip() for v in form.get(f.path) or [] if v.strip()]
            _set(body, f.path, values)
        elif f.kind == "lines":
            _set(body, f.path, [line.strip() for line in _first(form, f.path).splitlines() if line.strip()])
        elif f.kind == "rows":
            rows = [{part: _first(form, f"{f.path}.{i}.{part}") for part, _, _ in f.parts}
                    for i in range(f.rows)]
            _set(body, f.path, [{k: v for k, v in row.items() if v} for row in rows if any(row.values())])
        elif f.kind == "bool":
            value = _first(form, f.path)
            if value in ("true", "false"):
                _set(body, f.path, value == "true")
            elif value:
                _set(body, f.path, value)  # the API says what is wrong with it
        else:
            value = _first(form, f.path)
            if value:
                _set(body, f.path, value)
    return body, problems


def referral_to_form(referral: Mapping[str, Any], fields: Iterable[Field] = CHILD_REFERRAL) -> dict[str, list[str]]:
    """The form's fields for a referral (to fill the form again, and to test the mapping both ways)."""
    form: dict[str, list[str]] = {}
    for f in fields:
        value = _get(referral, f.path)
        if value is None:
            continue
        if f.kind == "date":
            d = date.fromisoformat(str(value))
            form[f"{f.path}-day"], form[f"{f.path}-month"], form[f"{f.path}-year"] = \
                [str(d.day)], [str(d.month)], [str(d.year)]
        elif f.kind == "agencies":
            form[f.path] = [str(v) for v in value]
        elif f.kind == "bool":
            form[f.path] = ["true" if value else "false"]
        else:
            form[f.path] = [str(value)]
    return form


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str
    # A date's error links to its day field; anything else to the field (or first option) itself.
    date: bool = False

    @property
    def anchor(self) -> str:
        """The id of the input the error summary links to (the day of a date, the first option)."""
        return f"{self.path}-day" if self.date else self.path


def _path_of(loc: list[Any], fields: Mapping[str, Field]) -> str:
    """The form's field a 422's ``loc`` is about: ``["body", "attendees", 0, "name"]`` → ``attendees``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in fields:
            return ".".join(parts[:n])
    path = ".".join(p for p in parts if not p.isdigit())
    # A whole section missing (``["body", "adult"]``: none of its fields filled in) is its first field's.
    return next((name for name in fields if path and name.startswith(path + ".")), path)


def _reworded(f: Field | None, error: Mapping[str, Any], fields: Mapping[str, Field]) -> str:
    msg = str(error.get("msg", "")).strip()
    kind = str(error.get("type", ""))
    if f is None:
        return msg[:1].upper() + msg[1:]
    if kind == "missing" or (kind in ("string_too_short", "too_short") and f.missing):
        return f.missing
    # "Why it was held on another date (if it was)" → "Why it was held on another date": the rule says when.
    label = re.sub(r"\s*\([^)]*\)$", "", f.label).removesuffix("?")
    if kind in ("literal_error", "bool_parsing", "bool_type"):
        return f.missing or f"{label}: choose one of the options"
    # The API's own rule, in its words, with its field names and dates as the page shows them.
    own = f.path.rsplit(".", 1)[-1]
    if msg.startswith(own + " "):
        msg = msg[len(own) + 1:]
    for other in fields.values():
        leaf = other.path.rsplit(".", 1)[-1]
        if leaf in msg and "_" in leaf:
            msg = msg.replace(leaf, f"the {other.label.lower().removesuffix(' (optional)')}")
    msg = iso_dates_in_words(msg.replace("(dates are written YYYY-MM-DD)", "").strip())
    # The API explains its rule after a colon; the page keeps the rule, which already says it.
    msg = msg.split(": ", 1)[0] if msg.startswith(("cannot", "must")) else msg
    if msg.startswith(("cannot", "must")):
        return f"{label} {msg}"
    return f"{label}: {msg}"


def errors_from_api(detail: Any, local: Mapping[str, str] | None = None,
                    form: Iterable[Field] = CHILD_REFERRAL) -> list[FieldError]:
    """The API's 422 ``detail`` as one error per field, in the form's order, worded for the page.
    A problem the form saw itself (a date that is not a date) wins over the API's; a problem with
    no field of the form (the whole body, or a rule across fields) is shown against the first."""
    fields = {f.path: f for f in form}
    first = next(iter(fields))
    local = dict(local or {})
    found: dict[str, str] = {}
    if isinstance(detail, str):
        found[""] = detail
    for error in detail if isinstance(detail, list) else []:
        path = _path_of(list(error.get("loc") or []), fields)
        f = fields.get(path)
        found.setdefault(path if f else "", _reworded(f, error, fields))
    found.update(local)
    order = {p: i for i, p in enumerate(fields)}
    return [FieldError(p if p in fields else first, m, date=fields[p if p in fields else first].kind == "date")
            for p, m in sorted(found.items(), key=lambda kv: order.get(kv[0], -1))]


def answers(referral: Mapping[str, Any], fields: Iterable[Field] = CHILD_REFERRAL) -> list[tuple[str, str]]:
    """What the person is about to send, as the check-your-answers page lists it."""
    rows = []
    for f in fields:
        value = _get(referral, f.path)
        label = f.label.removesuffix(" (optional)")
        if value is None or value == [] or value == "":
            text = "Today" if f.path == "received_on" else "Not given"
        elif f.kind == "date":
            try:
                text = date_in_words(str(value), weekday=False)
            except ValueError:
                text = str(value)
        elif f.kind == "bool":
            text = "Yes" if value is True else "No" if value is False else str(value)
        elif f.kind in ("choice", "agencies"):
            names = dict(f.options)
            values = value if isinstance(value, list) else [value]
            text = ", ".join(names.get(str(v), str(v)) for v in values)
        else:
            text = str(value)
        rows.append((label, text))
    return rows
