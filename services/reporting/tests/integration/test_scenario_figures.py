"""The board's figures for a scripted year (tests/conftest.py), checked exactly, as JSON and CSV; the
same figures when the read models are rebuilt the way a replay does; and nothing in any response or
page that identifies a child, an adult or even a case. Store: SQLite and PostgreSQL.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from reporting.adapters.orm import READ_MODELS, metadata
from reporting.adapters.read_models import Batch
from reporting.application.event_handlers import projecting
from reporting.application.rebuild import rows_from_json
from reporting.domain import figures
from safeguard_shared.clock import FixedDateClock
from safeguard_testing.apps import CANARIES, bearer, migrated

FIGURES = [n for n in figures.FIGURES]


def project_into(service):
    """The live consumer's handler for this service: its projections, through EVENT_HANDLERS."""
    return projecting(service.runtime.outbox, service.runtime.clock)


@pytest.fixture
async def service(databases, tmp_path, issuer, scenario):
    async with migrated("reporting", database_url=await databases.at_head("reporting"), data_dir=tmp_path,
                        issuer=issuer, clock=FixedDateClock(scenario.today)) as running:
        yield running


@pytest.fixture
def reader(issuer):
    return bearer(issuer, "partnership", "reporting_reader")


async def consume(service, events) -> None:
    for e in events:
        await service.runtime.inbox.handle_once("reporting", e, project_into(service))


async def get(service, reader, path: str):
    response = await service.client.get(path, headers=reader)
    assert response.status_code == 200, (path, response.text)
    return response


async def test_a_year_of_events_gives_the_boards_figures_exactly(service, scenario, reader):
    await consume(service, scenario.events)
    fig = lambda name: get(service, reader, f"/v1/reports/{name}")  # noqa: E731

    cases = (await fig("cases")).json()
    assert {k: v for k, v in cases.items() if k != "rows"} == {
        "open": 3, "concluded": 3, "returned": 1,
        "by_pathway": {"adult": 3, "child": 3},
        "by_stage": {"cspr": 1, "no_review": 1, "referral": 1, "sar_commissioned": 1, "sar_not_convened": 1,
                     "sar_published": 1},
        "by_referral_source": {"housing": 1, "icb": 1, "police": 3, "school": 1},
    }
    assert cases["rows"] == [
        {"pathway": "adult", "stage": "sar_commissioned", "cases": 1},
        {"pathway": "adult", "stage": "sar_not_convened", "cases": 1},
        {"pathway": "adult", "stage": "sar_published", "cases": 1},
        {"pathway": "child", "stage": "cspr", "cases": 1},
        {"pathway": "child", "stage": "no_review", "cases": 1},
        {"pathway": "child", "stage": "referral", "cases": 1},
    ]

    timeliness = (await fig("timeliness")).json()
    assert (timeliness["met"], timeliness["met_on_time"], timeliness["overdue"]) == (12, 8, 3)
    assert timeliness["share_on_time"] == round(8 / 15, 4)
    rows = {r["key"]: r for r in timeliness["rows"]}
    assert [r["key"] for r in timeliness["rows"]] == [  # the framework's order
        "rr.panel_notified", "rr.scoping_sent", "rr.scoping_returned", "rr.complete", "rr.outcome_sent",
        "cspr.published", "sar.scoping_returned", "sar.decision", "sar.reviewers_commissioned", "sar.signed_off"]
    pick = ("scheduled", "met", "met_on_time", "met_late", "overdue", "pending", "waived", "share_on_time",
            "median_working_days_late", "median_days_elapsed")
    expect = {
        "rr.panel_notified": (2, 1, 1, 0, 1, 0, 0, 0.5, 0, 1),
        "rr.scoping_sent": (1, 1, 1, 0, 0, 0, 0, 1.0, 0, 1),
        "rr.scoping_returned": (4, 2, 1, 1, 1, 0, 1, 0.3333, 1, 14.5),  # from the template going out
        "rr.complete": (2, 2, 1, 1, 0, 0, 0, 0.5, 1, 23),
        "rr.outcome_sent": (1, 1, 0, 1, 0, 0, 0, 0.0, 2, 6),  # from the meeting
        "cspr.published": (1, 0, 0, 0, 0, 1, 0, None, None, None),
        "sar.scoping_returned": (2, 2, 1, 1, 0, 0, 0, 0.5, 1, 28.5),  # from each agency's request
        "sar.decision": (2, 2, 2, 0, 0, 0, 0, 1.0, 0, 44.5),
        "sar.reviewers_commissioned": (1, 0, 0, 0, 1, 0, 0, 0.0, None, None),
        "sar.signed_off": (1, 1, 1, 0, 0, 0, 0, 1.0, 0, 178),
    }
    assert {k: tuple(rows[k][p] for p in pick) for k in rows} == expect
    assert (rows["sar.decision"]["target_met"], rows["sar.decision"]["share_target_met"]) == (1, 0.5)
    assert rows["sar.decision"]["median"] == 44.5 and rows["rr.complete"]["median"] == 1
    # The rule's own words, as scheduling described it: its timescale too.
    assert rows["rr.complete"]["what"] == "Rapid review completed within 15 working days after becoming aware"

    overdue = (await fig("overdue")).json()
    assert overdue == {
        "as_of": "2027-03-01", "total": 3, "median_days_overdue": 49,
        "by_agency": [
            {"agency": "health_provider", "overdue": 1, "median_days_overdue": 40, "longest_days_overdue": 40},
            {"agency": "local_authority", "overdue": 1, "median_days_overdue": 49, "longest_days_overdue": 49},
            {"agency": "partnership", "overdue": 1, "median_days_overdue": 101, "longest_days_overdue": 101}],
        "by_step": [
            {"key": "rr.panel_notified", "what": "National Panel notified of the serious incident", "overdue": 1,
             "median_days_overdue": 49},
            {"key": "rr.scoping_returned", "what": "Scoping template returned by the agency", "overdue": 1,
             "median_days_overdue": 40},
            {"key": "sar.reviewers_commissioned", "what": "SAR reviewers commissioned", "overdue": 1,
             "median_days_overdue": 101}],
        "rows": [
            {"agency": "health_provider", "key": "rr.scoping_returned", "overdue": 1, "median_days_overdue": 40},
            {"agency": "local_authority", "key": "rr.panel_notified", "overdue": 1, "median_days_overdue": 49},
            {"agency": "partnership", "key": "sar.reviewers_commissioned", "overdue": 1, "median_days_overdue": 101}],
    }

    scoping = (await fig("scoping-returns")).json()
    assert [(r["agency"], r["pathway"], r["requested"], r["returned_on_time"], r["returned_late"], r["overdue"],
             r["outstanding"], r["share_on_time"]) for r in scoping["rows"]] == [
        ("adult_social_care", "adult", 1, 1, 0, 0, 0, 1.0),
        ("health_provider", "child", 1, 0, 0, 1, 0, 0.0),
        ("housing", "adult", 1, 0, 1, 0, 0, 0.0),
        ("police", "child", 2, 1, 0, 0, 0, 1.0),  # the waived return is neither late nor outstanding
        ("school", "child", 1, 0, 1, 0, 0, 0.0)]

    reviews = (await fig("reviews")).json()
    assert reviews["by_kind"] == {
        "rapid_review": {"reviews": 2, "concluded": 2, "ongoing": 0, "median_days_to_complete": 23,
                         "median_days_from_referral": 23, "by_referral_source": {"police": 1, "school": 1}},
        "cspr": {"reviews": 1, "concluded": 0, "ongoing": 1, "median_days_to_complete": None,
                 "median_days_from_referral": None, "by_referral_source": {"police": 1}},
        "sar": {"reviews": 2, "concluded": 1, "ongoing": 1, "median_days_to_complete": 178,
                "median_days_from_referral": 223, "by_referral_source": {"housing": 1, "icb": 1}},
    }
    assert reviews["rows"] == [
        {"review": "rapid_review", "referral_source": "police", "status": "concluded", "days_to_complete": 23,
         "days_from_referral": 23},
        {"review": "rapid_review", "referral_source": "school", "status": "concluded", "days_to_complete": 23,
         "days_from_referral": 23},
        {"review": "cspr", "referral_source": "police", "status": "ongoing", "days_to_complete": None,
         "days_from_referral": None},
        {"review": "sar", "referral_source": "icb", "status": "concluded", "days_to_complete": 178,
         "days_from_referral": 223},
        {"review": "sar", "referral_source": "housing", "status": "ongoing", "days_to_complete": None,
         "days_from_referral": None},
    ]

    plans = (await fig("action-plans")).json()
    assert plans["recommendations"] == {"published": 2, "by_owning_agency": {"adult_social_care": 1, "icb": 1},
                                        "by_pathway": {"adult": 2}}
    assert {k: plans[k] for k in ("actions", "by_status", "by_source", "completed_on_time",
                                  "share_completed_on_time")} == {
        "actions": 4, "by_status": {"completed": 1, "in_progress": 1, "open": 1, "overdue": 1},
        "by_source": {"audit": 2, "review": 2}, "completed_on_time": 1, "share_completed_on_time": 1.0}
    assert plans["rows"] == [{"agency": "adult_social_care", "status": "open", "actions": 1},
                             {"agency": "icb", "status": "in_progress", "actions": 1},
                             {"agency": "police", "status": "completed", "actions": 1},
                             {"agency": "school", "status": "overdue", "actions": 1}]

    audits = (await fig("audits")).json()
    assert {k: v for k, v in audits.items() if k not in ("themes", "rows")} == {
        "audits": 2, "by_kind": {"adults": 1, "children": 1},
        "by_stage": {"cases_sampled": 1, "learning_published": 1},
        "findings": 5, "recommendations": 3, "ratified": 1,
        "responses": {"owed": 6, "submitted": 5, "share_submitted": 0.8333,
                      "by_agency": {"housing": 1, "icb": 2, "police": 2}},
        "concerns_escalated": 1, "concerns_by_agency": {"housing": 1}, "good_practice_acknowledged": {"police": 1},
        "learning_events": {"held": 1, "agencies_invited": 4, "agencies_attended": 3},
        "briefings": {"held": 1, "attendees": 25}}
    themes = (await fig("learning-themes")).json()
    assert themes["rows"] == [
        {"theme": "exploitation", "audits": 1, "published_themes": 0, "learning_published": 1, "learning_points": 4},
        {"theme": "neglect in adolescence", "audits": 1, "published_themes": 1, "learning_published": 0,
         "learning_points": 0}]

    training = (await fig("training")).json()
    assert {k: training[k] for k in ("completed_training", "surveys_sent", "responses", "response_rate")} == {
        "completed_training": 2, "surveys_sent": 3, "responses": 2, "response_rate": 0.6667}
    assert training["by_survey"] == {
        "follow_up": {"sent": 2, "responses": 1, "response_rate": 0.5, "practice_changed": 1.0,
                      "median_confidence_before": 2, "median_confidence_after": 4,
                      "change_noticed_by_managers": None, "median_team_impact": None},
        "manager": {"sent": 1, "responses": 1, "response_rate": 1.0, "practice_changed": None,
                    "median_confidence_before": None, "median_confidence_after": None,
                    "change_noticed_by_managers": 1.0, "median_team_impact": 4}}
    assert training["rows"] == [
        {"survey": "follow_up", "agency": "police", "sent": 1, "responses": 1, "response_rate": 1.0},
        {"survey": "follow_up", "agency": "school", "sent": 1, "responses": 0, "response_rate": 0.0},
        {"survey": "manager", "agency": "police", "sent": 1, "responses": 1, "response_rate": 1.0}]

    summary = (await fig("summary")).json()
    assert summary["cases"]["open"] == 3 and summary["overdue"]["total"] == 3
    assert summary["deadlines"]["by_status"] == {"met": 12, "overdue": 3, "pending": 1, "waived": 1}
    assert summary["notifications"] == {"sent": 2, "by_recipient_kind": {"agency": 1, "national_panel": 1}}


async def test_the_annual_report_counts_the_reporting_year(service, scenario, reader):
    await consume(service, scenario.events)

    annual = (await get(service, reader, "/v1/reports/annual?year=2026")).json()
    assert annual["year"] == {"label": "2026-27", "from": "2026-04-01", "to": "2027-03-31"}
    assert annual["referrals"] == {"received": 6, "by_pathway": {"adult": 3, "child": 3},
                                   "by_referral_source": {"housing": 1, "icb": 1, "police": 3, "school": 1},
                                   "returned_incomplete": 1}
    assert annual["rapid_reviews"] == {"opened": 2, "completed": 2, "ongoing_at_year_end": 0,
                                       "decisions": {"cspr": 1, "no_review": 1}, "panel_responses": {"endorsed": 1},
                                       "median_days_to_complete": 23, "by_referral_source": {"police": 1, "school": 1}}
    assert annual["csprs"]["commissioned"] == 1 and annual["csprs"]["ongoing_at_year_end"] == 1
    assert annual["csprs"]["published"] == 0
    sars = annual["sars"]
    assert {k: v for k, v in sars.items() if k != "findings"} == {
        "referrals_received": 3, "screened_out": 1, "decisions": {"convened": 2, "not_convened": 0},
        "commissioned": 2, "concluded": 1, "ongoing_at_year_end": 1, "delayed_at_year_end": 1, "published": 1,
        "median_days_to_conclude": 178, "by_referral_source": {"icb": 1}, "concluded_without_findings_recorded": 0,
        "recommendations_by_owning_agency": {"adult_social_care": 1, "icb": 1}}
    assert sars["findings"] == {"reviews": 1, "findings": 4, "actions_taken": 3, "not_acted_on": 1,
                                "reasons_not_acted_on": [{"reason": "budget pressures", "findings": 1}]}
    # Only the audit whose report has gone to the QA sub-group counts as reported: the neglect audit's
    # meeting is on 10 March 2027, after the day the figures are read.
    assert annual["audits"] == {"audits": 1, "by_kind": {"adults": 1},
                                "themes": ["Exploitation"], "findings": 5,
                                "recommendations": 3, "ratified": 1, "concerns_escalated": 1}
    assert annual["action_plans"] == {
        "by_status": {"completed": 1, "in_progress": 1, "open": 1, "overdue": 1}, "created": 4, "completed": 1,
        "sar_actions_by_status": {"in_progress": 1, "open": 1}}  # what was done on the SAR's findings
    assert annual["training"] == {"completed": 2, "sent": 3, "responses": 2, "response_rate": 0.6667}
    # Deadlines due in the year: all but the CSPR's publication, due in July 2027.
    assert [r["key"] for r in annual["timeliness"]] == [
        "rr.panel_notified", "rr.scoping_sent", "rr.scoping_returned", "rr.complete", "rr.outcome_sent",
        "sar.scoping_returned", "sar.decision", "sar.reviewers_commissioned", "sar.signed_off"]

    # The year before holds nothing yet; the default year is the one containing today.
    before = (await get(service, reader, "/v1/reports/annual?year=2025")).json()
    assert before["referrals"]["received"] == 0 and before["sars"]["concluded"] == 0
    assert (await get(service, reader, "/v1/reports/annual")).json() == annual

    page = (await get(service, reader, "/v1/reports/annual.html?year=2026")).text
    assert "Annual report 2026-27" in page and "budget pressures" in page
    assert '<caption>SARs concluded and ongoing</caption>' in page
    pdf = await get(service, reader, "/v1/reports/annual.pdf?year=2026")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # The page and the PDF speak in words: numbers agree with their nouns (Babel's plural rules), dates
    # as people write them, labels not codes, and nothing counted that has not happened.
    from html import unescape

    from pypdf import PdfReader

    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    printed = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    for text in (words, printed):
        assert "Reporting year 1 April 2026 to 31 March 2027" in text
        assert "6 referrals opened a case; 1 was returned" in text
        assert "1 CSPR was decided on, 0 were published" in text
        assert "1 audit was reported to the QA sub-group in the year, on: Exploitation" in text
        assert "The sub-group decided to convene 2 SARs and not to convene 0 SARs" in text
        for code in ("no_review", "local_authority", "adult_social_care", "in_progress", "2026-04-01"):
            assert code not in text, code
    assert "No further review" in words and "The Panel agreed with the decision" in words
    assert words.index("Reviews: the statutory and framework timescales") < words.index("Training follow-up surveys")
    text = (await get(service, reader, "/v1/reports/annual.csv?year=2026")).text
    measures = dict(row for row in csv.reader(io.StringIO(text)))
    assert measures["sars.concluded"] == "1"
    assert measures["sars.findings.reasons_not_acted_on.budget pressures.findings"] == "1"


async def test_every_figure_is_also_csv(service, scenario, reader):
    await consume(service, scenario.events)
    for name in FIGURES:
        figure = (await get(service, reader, f"/v1/reports/{name}")).json()
        as_csv = await get(service, reader, f"/v1/reports/{name}.csv")
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert (await get(service, reader, f"/v1/reports/{name}?format=csv")).text == as_csv.text
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        if "rows" in figure and name != "annual":
            assert len(rows) == len(figure["rows"]), name
            for got, want in zip(rows, figure["rows"], strict=True):
                assert got == {k: ("" if v is None else str(v)) for k, v in want.items()}, name
        else:
            assert rows and set(rows[0]) == {"measure", "value"}, name


async def test_rebuilding_the_read_models_as_a_replay_does_gives_identical_figures(
        service, scenario, reader, databases, tmp_path, issuer):
    await consume(service, scenario.events)
    first = {n: (await get(service, reader, f"/v1/reports/{n}")).json() for n in FIGURES}

    # A second store, filled the replay's way: the stream's bytes, folded in memory, written in bulk.
    async with migrated("reporting", database_url=await databases.anew("rebuilt"), data_dir=tmp_path / "b",
                        issuer=issuer, clock=FixedDateClock(scenario.today)) as rebuilt:
        batch = Batch()
        for e in scenario.events:
            try:
                for change in rows_from_json(e.to_json()) or []:
                    batch.add(change)
            except ValueError:
                pass  # the live consumer dead-letters it; the replay skips it
        async with rebuilt.runtime.engine.begin() as conn:
            await batch.write(conn)
        assert {n: (await get(rebuilt, reader, f"/v1/reports/{n}")).json() for n in FIGURES} == first

    # And replaying the same events over the live tables changes nothing.
    for e in scenario.events:
        async with service.runtime.sessions() as session, session.begin():
            try:
                await project_into(service)(session, e)
            except ValueError:
                pass
    assert {n: (await get(service, reader, f"/v1/reports/{n}")).json() for n in FIGURES} == first


async def test_nothing_that_identifies_a_child_an_adult_or_a_case_leaves_reporting(service, scenario, reader):
    await consume(service, scenario.events)
    texts = []
    for name in FIGURES:
        texts.append((await get(service, reader, f"/v1/reports/{name}")).text)
        texts.append((await get(service, reader, f"/v1/reports/{name}.csv")).text)
    texts.append((await get(service, reader, "/v1/reports/annual.html")).text)
    texts.append((await get(service, reader, "/")).text)
    pdf = (await get(service, reader, "/v1/reports/annual.pdf")).content
    texts.append(pdf.decode("latin-1"))
    stored = []
    async with service.runtime.sessions() as session:
        from sqlalchemy import select

        for table in READ_MODELS:
            stored.extend(json.dumps(dict(r), default=str) for r in (await session.execute(select(table))).mappings())
    for text in texts:
        for canary in CANARIES:
            assert canary not in text
        for identifier in scenario.ids:  # aggregate only: not even the partnership's own ids
            assert identifier not in text
    everything_stored = "\n".join(stored)
    for canary in CANARIES:
        assert canary not in everything_stored
    assert "daughter" not in everything_stored and "criminal proceedings" not in everything_stored
    assert metadata.tables["rm_cases"] is not None


@pytest.mark.parametrize("path", ["/v1/reports/timeliness", "/v1/reports/overdue.csv", "/v1/reports/annual.pdf",
                                  "/v1/reports/annual.html"])
async def test_figures_need_a_reporting_role(service, issuer, path):
    assert (await service.client.get(path)).status_code == 401
    assert (await service.client.get(path, headers=bearer(issuer, "police", "referrer"))).status_code == 403
