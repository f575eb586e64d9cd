"""Reading the CSV files people upload: the population to sample from, training completions. No I/O
beyond the text handed in. Every problem is collected (line by line), so one refusal lists them all.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

from email_validator import EmailNotValidError, validate_email

from .errors import Problem, RuleBroken

MAX_PROBLEMS = 50
_SPLIT_AGENCIES = re.compile(r"[;|,]")


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _rows(text: str, loc: tuple[str, ...]) -> tuple[list[str], Iterable[list[str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise_problems([Problem(loc, "the file is empty: it needs a header line and one line per row")])
    return [_norm(h) for h in header], reader


def raise_problems(problems: list[Problem]) -> NoReturn:
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS] + [Problem(problems[0].loc[:2], f"… and {extra} more problems")]
    raise RuleBroken(problems)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


@dataclass
class Population:
    references: list[str]
    agencies: dict[str, frozenset[str]] = field(default_factory=dict)


REFERENCE_COLUMNS = ("case_reference", "case_ref", "reference")
AGENCY_COLUMNS = ("agencies", "involved_agencies")


def parse_population(text: str, known_agencies: frozenset[str]) -> Population:
    """``case_reference,agencies`` — the agencies involved in each case separated by ``;`` (or ``|``)."""
    loc = ("body", "population")
    header, rows = _rows(text, loc)
    ref_col = _column(header, REFERENCE_COLUMNS)
    agency_col = _column(header, AGENCY_COLUMNS)
    if ref_col is None:
        raise_problems([Problem(loc, "the header line names no case reference column: use 'case_reference' "
                                     "(and 'agencies' for the agencies involved in each case)")])
    references: list[str] = []
    agencies: dict[str, frozenset[str]] = {}
    problems: list[Problem] = []
    cells: dict[str, frozenset[str]] = {}  # the same few combinations of agencies recur on most lines
    for line_no, row in enumerate(rows, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        ref = row[ref_col].strip() if ref_col < len(row) else ""
        if not ref:
            problems.append(Problem(loc + (f"line {line_no}", "case_reference"), "the case reference is blank"))
            continue
        references.append(ref)
        if agency_col is None:
            continue
        cell = row[agency_col] if agency_col < len(row) else ""
        # A cell may hold "police;icb", or the rest of an unquoted row "police,icb".
        if agency_col == len(header) - 1 and len(row) > len(header):
            cell = ",".join(row[agency_col:])
        named = cells.get(cell)
        if named is None:
            named = cells[cell] = frozenset(_norm(a) for a in _SPLIT_AGENCIES.split(cell) if a.strip())
        unknown = sorted(named - known_agencies)
        if unknown:
            problems.append(Problem(loc + (f"line {line_no}", "agencies"),
                                    f"unknown agency {', '.join(repr(u) for u in unknown)}"))
        named = named & known_agencies if unknown else named
        earlier = agencies.get(ref)
        agencies[ref] = named if earlier is None else earlier | named
    if problems:
        raise_problems(problems)
    return Population(references, agencies)


@dataclass(frozen=True)
class Completion:
    trainee: str
    agency: str
    course: str
    completed_on: date
    manager: str | None = None
    # Where the follow-up survey and the manager's survey go (kept in the audits store only).
    trainee_email: str | None = None
    manager_email: str | None = None

    @property
    def key(self) -> tuple[str, str, date]:
        return (self.trainee, self.course, self.completed_on)


COMPLETION_COLUMNS = {"trainee": ("trainee", "trainee_ref", "staff_id"),
                      "agency": ("agency",), "course": ("course",),
                      "completed_on": ("completed_on", "completion_date", "training_completed_on"),
                      "manager": ("manager", "manager_ref"),
                      "trainee_email": ("trainee_email", "email"), "manager_email": ("manager_email",)}


def _address(values: Mapping[str, object], name: str, loc: tuple[str, ...],
             problems: list[Problem]) -> str | None:
    """An e-mail address checked by its form (no look-up), normalised; blank is none. The problem
    names the field, never the address."""
    raw = str(values.get(name) or "").strip()
    if not raw:
        return None
    try:
        return str(validate_email(raw, check_deliverability=False).normalized)
    except EmailNotValidError:
        problems.append(Problem(loc + (name,), f"{name} is not an e-mail address"))
        return None


def check_completion(values: Mapping[str, object], loc: tuple[str, ...], known_agencies: frozenset[str],
                     today: date | None = None) -> tuple[Completion | None, list[Problem]]:
    problems: list[Problem] = []
    for name in ("trainee", "agency", "course", "completed_on"):
        if not str(values.get(name) or "").strip():
            problems.append(Problem(loc + (name,), f"{name} is blank"))
    agency = _norm(str(values.get("agency") or ""))
    if agency and agency not in known_agencies:
        problems.append(Problem(loc + ("agency",), f"unknown agency {agency!r}"))
    raw_date = values.get("completed_on")
    completed_on: date | None = None
    if isinstance(raw_date, date):
        completed_on = raw_date
    elif raw_date and str(raw_date).strip():
        try:
            completed_on = date.fromisoformat(str(raw_date).strip())
        except ValueError:
            problems.append(Problem(loc + ("completed_on",), "completed_on is not a date (YYYY-MM-DD)"))
    if completed_on and today and completed_on > today:
        problems.append(Problem(loc + ("completed_on",), "completed_on is in the future"))
    for name, limit in (("trainee", 200), ("course", 200), ("manager", 200)):
        if len(str(values.get(name) or "")) > limit:
            problems.append(Problem(loc + (name,), f"{name} is longer than {limit} characters"))
    trainee_email = _address(values, "trainee_email", loc, problems)
    manager_email = _address(values, "manager_email", loc, problems)
    if problems or completed_on is None:  # a blank date is one of the problems
        return None, problems
    manager = str(values.get("manager") or "").strip() or None
    return Completion(str(values["trainee"]).strip(), agency, str(values["course"]).strip(), completed_on,
                      manager, trainee_email, manager_email), []


def parse_completions(text: str, known_agencies: frozenset[str], today: date | None = None) -> list[Completion]:
    """``trainee,agency,course,completed_on[,manager][,trainee_email][,manager_email]`` — one line per
    completion of core training."""
    loc = ("body", "completions")
    header, rows = _rows(text, loc)
    cols = {name: _column(header, names) for name, names in COMPLETION_COLUMNS.items()}
    missing = [n for n in ("trainee", "agency", "course", "completed_on") if cols[n] is None]
    if missing:
        raise_problems([Problem(loc, f"the header line lacks the column(s) {', '.join(missing)}: expected "
                                     "trainee,agency,course,completed_on[,manager,trainee_email,manager_email]")])
    out: list[Completion] = []
    problems: list[Problem] = []
    for line_no, row in enumerate(rows, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        values = {n: (row[c] if c is not None and c < len(row) else None) for n, c in cols.items()}
        completion, found = check_completion(values, loc + (f"line {line_no}",), known_agencies, today)
        if found:
            problems.extend(found)
        elif completion is not None:
            out.append(completion)
    if problems:
        raise_problems(problems)
    return out
