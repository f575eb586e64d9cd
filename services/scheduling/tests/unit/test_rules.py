"""The timescale rules as data: the bundled file, a partnership's local override, and bad files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scheduling.domain.calendar import Offset
from scheduling.domain.rules import MissingAnchorError, RulesError
from scheduling.domain.rules_file import load_rules

# Every key of docs/framework.md, copied from its tables.
FRAMEWORK_KEYS = {
    "rr.panel_notified", "rr.lac_death_notified", "rr.scoping_sent", "rr.scoping_returned",
    "rr.meeting", "rr.complete", "rr.outcome_sent", "cspr.published", "cspr.final_to_panel",
    "sar.scoping_returned", "sar.decision", "sar.agreed", "sar.family_notified",
    "sar.reviewers_commissioned", "sar.initial_meeting", "sar.panel_meeting", "sar.draft_report",
    "sar.committee", "sar.signed_off", "sar.family_shared", "sar.published", "sar.learning_event",
    "macfa.audit_date", "macfa.scope_agreed", "macfa.cases_sampled", "macfa.template_sent",
    "macfa.programme_sent", "macfa.report", "training.follow_up", "training.manager_survey",
    # A local (L) rule of docs/framework.md: the interval at which a delayed SAR's adult or
    # advocate is kept updated, which the framework leaves to the partnership.
    "sar.delay_update",
}
# The sources docs/framework.md gives each row ("WT (verify)" is WT with a note).
FRAMEWORK_SOURCES = {
    "rr.lac_death_notified": ("F", "WT"), "rr.complete": ("F", "WT"), "rr.panel_notified": ("WT",),
    "cspr.published": ("WT",), "cspr.final_to_panel": ("WT",), "sar.family_notified": ("F", "L"),
    "sar.committee": ("F", "L"), "training.manager_survey": ("F", "L"), "sar.delay_update": ("L",),
}

BUNDLED = load_rules()
CHILD = {"became_aware_on": date(2026, 12, 21), "received_on": date(2026, 12, 21)}


@pytest.fixture
def override(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "local-timescales.yaml"
        path.write_text(text, encoding="utf-8")
        return path
    return write


def test_the_bundled_rules_hold_every_row_of_the_design_and_nothing_else():
    assert BUNDLED.version == 1
    assert {rule.key for rule in BUNDLED.all()} == FRAMEWORK_KEYS
    for rule in BUNDLED.all():
        assert rule.anchor in BUNDLED.anchors, rule.key
        assert rule.met_by and rule.what and rule.who_acts.role, rule.key
        assert rule.source == FRAMEWORK_SOURCES.get(rule.key, ("F",)), rule.key


def test_the_timescales_read_as_the_design_says():
    get = BUNDLED.get
    assert get("rr.meeting").window_from == Offset(working_days=7)
    assert get("rr.meeting").offset == Offset(working_days=13)
    assert get("sar.decision").target == Offset(weeks=6)
    assert get("sar.decision").offset == Offset(weeks=8)
    assert get("sar.committee").offset == Offset(months=5, calendar_days=15)
    assert get("cspr.final_to_panel").offset == Offset(working_days=-7)
    assert get("macfa.audit_date").offset == Offset(weeks=-4)
    assert get("macfa.audit_date").provides == "audit_on"
    assert {get(k).anchor for k in FRAMEWORK_KEYS if k.startswith("macfa.")} == {"qa_meeting_on",
                                                                              "audit_on"}
    assert get("rr.scoping_returned").per_agency and get("sar.scoping_returned").per_agency
    assert get("rr.scoping_returned").who_acts.agency == "each_involved_agency"
    assert get("rr.panel_notified").who_acts.agency == "local_authority"
    assert get("rr.complete").anchor == "became_aware_on"


def test_lookups_the_scheduler_uses():
    assert {r.key for r in BUNDLED.all() if r.anchor == "received_on"} == {
        "rr.scoping_sent", "rr.meeting", "sar.decision"}
    assert {r.key for r in BUNDLED.met_by("scoping_returned")} == {
        "rr.scoping_returned", "sar.scoping_returned"}
    with pytest.raises(KeyError, match="rr.nope"):
        BUNDLED.get("rr.nope")


def test_a_partnership_anchors_the_rapid_review_on_the_panel_notification(override):
    book = load_rules(override_path=override("""
version: 1
rules:
  rr.complete:
    anchor: panel_notified_on
"""))
    rule = book.get("rr.complete")
    assert rule.anchor == "panel_notified_on"
    assert rule.locally_changed == {"anchor"}
    # Panel notified Wed 30 Dec 2026; 15 wd: Thu 31 (1) Fri 1 Jan BH Mon 4 (2) … Thu 21 Jan (15)
    anchors = {**CHILD, "panel_notified_on": date(2026, 12, 30)}
    due = book.due_for("rr.complete", anchors, book.calendar())
    assert due.due.date == date(2027, 1, 21)
    assert "Set locally: anchor." in due.explanation
    # Until the Panel is notified, its due date (Wed 30 Dec) stands in.
    assert book.due_for("rr.complete", CHILD, book.calendar()).due.date == date(2027, 1, 21)
    # The bundled book is untouched.
    assert BUNDLED.get("rr.complete").anchor == "became_aware_on"


def test_an_override_changes_a_local_rule_and_adds_closure_days(override):
    book = load_rules(override_path=override("""
version: 1
closures:
  2026-12-24: Christmas Eve (council closure)
rules:
  training.manager_survey:
    offset: {months: 6}
    who_acts: {agency: null, role: qa_lead}
  sar.family_notified:
    offset: {working_days: 3}
"""))
    survey = book.get("training.manager_survey")
    assert survey.offset == Offset(months=6)
    assert survey.who_acts.role == "qa_lead"
    assert book.get("sar.family_notified").offset == Offset(working_days=3)
    assert book.closures == {date(2026, 12, 24): "Christmas Eve (council closure)"}
    # The closure moves the 5-day Panel notification from Wed 30 to Thu 31 Dec 2026.
    due = book.due_for("rr.panel_notified", CHILD, book.calendar())
    assert due.due.date == date(2026, 12, 31)
    assert "local closure: Christmas Eve (council closure)" in due.explanation


def test_a_local_rule_can_be_switched_off(override):
    book = load_rules(override_path=override("""
version: 1
rules:
  training.manager_survey: {enabled: false}
"""))
    assert "training.manager_survey" not in {r.key for r in book.all()}
    assert "training.manager_survey" in {r.key for r in book.all(include_disabled=True)}


def test_a_statutory_timescale_can_change_when_guidance_does(override):
    book = load_rules(override_path=override("""
version: 1
rules:
  rr.panel_notified:
    offset: {working_days: 3}
"""))
    assert book.get("rr.panel_notified").offset == Offset(working_days=3)


@pytest.mark.parametrize("text, key, field, words", [
    ("rules:\n  rr.complete:\n    anchor: panel_notifed_on\n",
     "rr.complete", "anchor", "unknown anchor 'panel_notifed_on'"),
    ("rules:\n  rr.complete:\n    offset: {fortnights: 1}\n",
     "rr.complete", "offset.fortnights", "unknown unit"),
    ("rules:\n  rr.complete:\n    offset: {working_days: 3000}\n",
     "rr.complete", "offset.working_days", "not a plausible amount"),
    ("rules:\n  rr.complete:\n    offset: {working_days: -15}\n",
     "rr.complete", "offset", "due after its anchor into one due before"),
    ("rules:\n  rr.complete:\n    offset: {working_days: 2.5}\n",
     "rr.complete", "offset.working_days", "valid integer"),
    ("rules:\n  rr.complete:\n    what: something else\n",
     "rr.complete", "what", "only a local (L) rule"),
    ("rules:\n  rr.compleet:\n    offset: {working_days: 3}\n",
     "rr.compleet", None, "unknown rule"),
    ("rules:\n  rr.complete:\n    colour: red\n", "rr.complete", "colour", "unknown field"),
    ("rules:\n  sar.decision:\n    offset: {weeks: 5}\n",
     "sar.decision", "target", "later than the latest date"),
    ("rules:\n  rr.meeting:\n    window_from: {working_days: 14}\n",
     "rr.meeting", "window_from", "opens after it closes"),
    ("rules:\n  macfa.audit_date:\n    offset: {weeks: -4, working_days: -2}\n",
     "macfa.audit_date", "offset", "cannot be combined"),
    ("rules:\n  training.manager_survey:\n    who_acts: {agency: null, role: wizard}\n",
     "training.manager_survey", "who_acts.role", "Input should be"),
    ("closures:\n  2026-13-24: nonsense\n", None, "closures.2026-13-24", "valid date"),
])
def test_a_bad_override_names_the_rule_and_field_and_loads_nothing(override, text, key, field,
                                                                   words):
    path = override("version: 1\n" + text)
    with pytest.raises(RulesError) as caught:
        load_rules(override_path=path)
    assert (caught.value.key, caught.value.field) == (key, field)
    assert words in str(caught.value)
    assert str(path) in str(caught.value)
    # Nothing half-loaded: a fresh load, and the book loaded before, are the bundled rules.
    assert load_rules().get("rr.complete") == BUNDLED.get("rr.complete")
    assert BUNDLED.get("rr.complete").offset == Offset(working_days=15)


def test_an_override_written_for_another_version_is_refused(override):
    with pytest.raises(RulesError, match="override is for rules version 2") as caught:
        load_rules(override_path=override("version: 2\nrules: {}\n"))
    assert caught.value.field == "version"


def test_every_problem_is_reported_at_once(override):
    with pytest.raises(RulesError) as caught:
        load_rules(override_path=override("""
version: 1
rules:
  rr.complete: {what: changed}
  rr.meeting: {what: changed}
"""))
    assert [p[0] for p in caught.value.problems] == ["rr.complete", "rr.meeting"]


@pytest.mark.parametrize("text, words", [
    ("version: 1\nrules:\n  rr.complete: {anchor: [\n", "not valid YAML"),
    ("version: 1\nrules:\n  rr.complete: {}\n  rr.complete: {}\n", "duplicate key 'rr.complete'"),
    ("- just\n- a list\n", "expected a mapping"),
])
def test_unreadable_overrides(override, text, words):
    with pytest.raises(RulesError, match=words):
        load_rules(override_path=override(text))


def test_a_missing_override_file_is_a_rules_error(tmp_path):
    with pytest.raises(RulesError, match="cannot read it"):
        load_rules(override_path=tmp_path / "nope.yaml")


def test_a_whole_rules_file_is_validated_too(tmp_path):
    # A rules file of its own (not an override) still faces every check, e.g. a backward count
    # from a date that only exists once something has happened.
    path = tmp_path / "rules.yaml"
    path.write_text("""
version: 1
anchors:
  received_on: {kind: fact, means: referral received}
rules:
  rr.scoping_sent:
    what: template sent
    source: F
    anchor: received_on
    offset: {working_days: -2}
    met_by: scoping_sent
    who_acts: {agency: null, role: business_unit}
""", encoding="utf-8")
    with pytest.raises(RulesError, match="cannot fall due before its clock starts") as caught:
        load_rules(path)
    assert (caught.value.key, caught.value.field) == ("rr.scoping_sent", "offset")


def test_a_due_date_before_its_anchor_is_known_says_what_is_missing():
    with pytest.raises(MissingAnchorError, match="rr.outcome_sent needs meeting_held_on"):
        BUNDLED.due_for("rr.outcome_sent", {}, BUNDLED.calendar())
    with pytest.raises(MissingAnchorError, match="sar.draft_report needs commissioned_on"):
        BUNDLED.due_for("sar.draft_report", {"received_on": date(2027, 1, 5)}, BUNDLED.calendar())


def test_an_ended_pathway_names_the_clocks_it_closes_and_an_unknown_ending_is_refused(tmp_path):
    assert {r.key for r in BUNDLED.closed_by("sar_screened_out")} == {
        "sar.decision", "sar.scoping_returned", "sar.agreed"}
    assert {r.key for r in BUNDLED.closed_by("sar_not_convened")} == {"sar.scoping_returned", "sar.agreed"}
    assert {r.key for r in BUNDLED.closed_by("rapid_review_decided")} == {"rr.scoping_returned"}
    path = tmp_path / "rules.yaml"
    path.write_text("""
version: 1
anchors:
  received_on: {kind: fact, means: referral received}
rules:
  sar.decision:
    what: the decision
    source: F
    anchor: received_on
    offset: {weeks: 8}
    met_by: sar_decision_made
    closed_by: [sar_screend_out]
    who_acts: {agency: null, role: panel_member}
""", encoding="utf-8")
    with pytest.raises(RulesError, match="unknown ending 'sar_screend_out'") as caught:
        load_rules(path)
    assert (caught.value.key, caught.value.field) == ("sar.decision", "closed_by")
