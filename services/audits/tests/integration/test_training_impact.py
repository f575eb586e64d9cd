"""Training impact: core training completions are imported (CSV or JSON, or from a large file with the
command-line importer); each starts the clocks of the follow-up survey three months on and the manager
survey — clocks the scheduling service keeps, which says each survey's day in
``scheduling.deadline.scheduled``; the surveys go out on their day, their answers are captured and the
impact is reported."""
from __future__ import annotations

import io

import pytest
from audits_desk import at, deliver_envelope, run_ticker_round

from audits.adapters.orm import training_completions, training_surveys
from audits.domain.errors import RuleBroken
from audits.entrypoints.importer import import_file, main
from safeguard_shared.contracts.audits import (
    TrainingCompleted,
    TrainingSurveyAnswered,
    TrainingSurveyDue,
    TrainingSurveySent,
)
from safeguard_shared.contracts.notifications import NotificationFailed, NotificationSent
from safeguard_shared.contracts.scheduling import DeadlineScheduled

COMPLETIONS = """trainee,agency,course,completed_on,manager,trainee_email,manager_email
STAFF-0001,police,Core safeguarding children,2026-10-05,MGR-01,staff1@police.example,mgr1@police.example
STAFF-0002,police,Core safeguarding children,2026-10-09,MGR-01,staff2@police.example,mgr1@police.example
STAFF-0003,school,Core safeguarding adults,2026-10-05,,staff3@school.example,
"""


# The days the scheduling service gives these completions' surveys (its rules training.follow_up, 3
# months, and training.manager_survey, 4 months, on the working day before a weekend or bank holiday).
SCHEDULED = {("2026-10-05", "training.follow_up"): "2027-01-05",
             ("2026-10-05", "training.manager_survey"): "2027-02-05",
             ("2026-10-09", "training.follow_up"): "2027-01-08",  # 9 January 2027 is a Saturday
             ("2026-10-09", "training.manager_survey"): "2027-02-09"}


def business_unit(desk) -> dict:
    return desk.agency("partnership", "business_unit")


async def import_csv(desk, text: str = COMPLETIONS):
    return await desk.client.post("/v1/training/completions", content=text.encode(),
                                  headers={**business_unit(desk), "Content-Type": "text/csv"})


async def scheduling_starts_the_survey_clocks(desk) -> None:
    """What the scheduling service does with each audits.training.completed: it starts the two survey
    clocks and says when each falls due, naming the completion."""
    for n, completed in enumerate(await desk.owed(TrainingCompleted)):
        for key in ("training.follow_up", "training.manager_survey"):
            due = SCHEDULED[(completed.training_completed_on.isoformat(), key)]
            event = DeadlineScheduled(deadline_id=f"d-{n}-{key}", key=key, completion_id=completed.completion_id,
                                      agency=completed.agency, due=due, who_role="business_unit")
            await deliver_envelope(desk.service, event.envelope(producer="scheduling",
                                                                occurred_at=desk.clock.now()))


async def import_and_schedule(desk) -> None:
    assert (await import_csv(desk)).status_code == 200
    await scheduling_starts_the_survey_clocks(desk)


async def surveys(desk, **params) -> list[dict]:
    return await desk.ok("GET", "/v1/training/surveys", params=params)


async def tick_on(desk, day: str) -> int:
    desk.clock.set(at(day, 6))
    return await run_ticker_round(desk.service)


async def the_messages_leave(desk, day: str | None = None) -> None:
    """What the notifications service says once each survey's message owed has left: ``sent``, with
    the survey's id (delivered again for those already told: the inbox and the survey's state keep it once)."""
    for due in await desk.owed(TrainingSurveyDue):
        event = NotificationSent(notification_id=f"n-{due.survey_id}", recipient_kind=due.recipient,
                                 template=f"training_{'follow_up' if due.survey == 'follow_up' else 'manager'}_survey",
                                 channel="smtp", sent_on=day or desk.clock.today(), survey_id=due.survey_id)
        await deliver_envelope(desk.service, event.envelope(producer="notifications", occurred_at=desk.clock.now()))


async def tick_and_send(desk, day: str) -> int:
    asked = await tick_on(desk, day)
    await the_messages_leave(desk, day)
    return asked


async def test_completions_are_imported_once_and_each_starts_the_survey_clocks(desk, service):
    first = await import_csv(desk)
    again = await import_csv(desk)

    assert first.json() == {"received": 3, "imported": 3, "already_imported": 0}
    assert again.json() == {"received": 3, "imported": 0, "already_imported": 3}
    completed = await desk.owed(TrainingCompleted)
    assert sorted((e.agency, e.training_completed_on.isoformat()) for e in completed) == [
        ("police", "2026-10-05"), ("police", "2026-10-09"), ("school", "2026-10-05")]
    assert "STAFF-000" not in await desk.outbox_text() and "MGR-01" not in await desk.outbox_text()
    assert await service.count(training_surveys) == 6


async def test_follow_up_surveys_fall_due_three_months_on_the_working_day_before_a_weekend(desk):
    await import_and_schedule(desk)

    due = {(s["agency"], s["kind"], s["due_on"]) for s in await surveys(desk)}

    assert ("police", "follow_up", "2027-01-05") in due  # 5 October + 3 months
    assert ("police", "follow_up", "2027-01-08") in due  # 9 January 2027 is a Saturday
    assert ("police", "manager", "2027-02-05") in due  # the manager's: a local 4 months


async def test_a_file_with_bad_lines_is_refused_naming_each_and_nothing_is_imported(desk, service):
    text = (COMPLETIONS + "STAFF-0004,fire_brigade,Core,2026-10-05,\n,police,Core,2026-10-05,\n"
            "STAFF-6,icb,Core,5/10/2026,\n")

    refused = await import_csv(desk, text)

    assert refused.status_code == 422
    assert [p["loc"] for p in refused.json()["detail"]] == [
        ["body", "completions", "line 5", "agency"], ["body", "completions", "line 6", "trainee"],
        ["body", "completions", "line 7", "completed_on"]]
    assert await service.count(training_completions) == 0 and await desk.owed() == []


async def test_completions_can_come_as_json_from_another_system(desk):
    body = {"completions": [{"trainee": "STAFF-9", "agency": "icb", "course": "Core safeguarding adults",
                             "completed_on": "2026-12-01"}]}

    imported = await desk.ok("POST", "/v1/training/completions", business_unit(desk), json=body)
    future = await desk.client.post("/v1/training/completions", headers=business_unit(desk), json={
        "completions": [{**body["completions"][0], "completed_on": "2027-12-01"}]})

    assert imported["imported"] == 1
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"] == ["body", "completions", "0", "completed_on"]


async def test_a_survey_is_sent_and_its_clock_met_only_when_its_message_has_left(desk):
    await import_and_schedule(desk)

    assert await tick_on(desk, "2027-01-04") == 0
    assert await tick_on(desk, "2027-01-05") == 2
    assert await tick_on(desk, "2027-01-05") == 0
    # The messages are owed to the trainees (no address on the bus) …
    due = await desk.owed(TrainingSurveyDue)
    assert sorted((e.agency, e.survey, e.recipient, e.due_on.isoformat()) for e in due) == [
        ("police", "follow_up", "trainee", "2027-01-05"), ("school", "follow_up", "trainee", "2027-01-05")]
    assert "@" not in await desk.outbox_text()
    # … and nothing is sent, nor any clock met, until they have left.
    assert await desk.owed(TrainingSurveySent) == []
    assert {s["status"] for s in await surveys(desk) if s["due_on"] == "2027-01-05" and s["kind"] == "follow_up"} == {
        "requested"}
    desk.clock.set(at("2027-01-06", 9))
    await the_messages_leave(desk, "2027-01-06")
    await the_messages_leave(desk, "2027-01-06")  # told twice: sent once
    sent = await desk.owed(TrainingSurveySent)
    assert sorted((e.agency, e.survey, e.fact, e.sent_on.isoformat()) for e in sent) == [
        ("police", "follow_up", "follow_up_survey_sent", "2027-01-06"),
        ("school", "follow_up", "follow_up_survey_sent", "2027-01-06")]
    assert await tick_on(desk, "2027-02-08") == 2  # the follow-up due on Friday 8 January, one manager survey
    # The school's trainee named no manager's address: that survey is listed, not sent.
    [unaddressed] = await surveys(desk, status="no_address")
    assert (unaddressed["agency"], unaddressed["kind"]) == ("school", "manager")
    assert await tick_on(desk, "2027-02-09") == 1  # the manager survey of 9 October's completion


async def test_completions_recorded_after_their_survey_day_are_listed_late_never_sent(desk):
    """An import of last year's completions: the clock starts closed for a survey whose day had passed
    (the scheduling service's decision), and the survey is listed once as late — no flood of messages."""
    await import_csv(desk)
    for n, completed in enumerate(await desk.owed(TrainingCompleted)):
        for key in ("training.follow_up", "training.manager_survey"):
            due = SCHEDULED[(completed.training_completed_on.isoformat(), key)]
            event = DeadlineScheduled(deadline_id=f"d-{n}-{key}", key=key, completion_id=completed.completion_id,
                                      agency=completed.agency, due=due, who_role="business_unit",
                                      status="closed" if key == "training.follow_up" else "pending")
            await deliver_envelope(desk.service, event.envelope(producer="scheduling", occurred_at=desk.clock.now()))

    assert await tick_on(desk, "2027-01-11") == 0
    late = await surveys(desk, status="late")
    assert sorted((s["agency"], s["kind"], s["due_on"]) for s in late) == [
        ("police", "follow_up", "2027-01-05"), ("police", "follow_up", "2027-01-08"),
        ("school", "follow_up", "2027-01-05")]
    assert await desk.owed(TrainingSurveyDue) == []
    assert await tick_on(desk, "2027-02-05") == 1  # the manager surveys still go on their day


async def test_the_notifications_service_gets_the_address_and_a_signed_link_that_answers_without_an_account(desk):
    await import_and_schedule(desk)
    await tick_on(desk, "2027-01-05")
    [due, *_] = [e for e in await desk.owed(TrainingSurveyDue) if e.agency == "police"]
    pending = next(s for s in await surveys(desk, status="pending"))

    recipient = await desk.ok("GET", f"/v1/training/surveys/{due.survey_id}/recipient", headers={})
    not_owed = await desk.client.get(f"/v1/training/surveys/{pending['survey_id']}/recipient")

    assert recipient["address"] == "staff1@police.example" and recipient["trainee"] is None
    assert recipient["link_expires_on"] == "2027-03-06"  # AUDITS_SURVEY_LINK_DAYS, 60 days
    assert not_owed.status_code == 404
    path = recipient["survey_url"].removeprefix("http://127.0.0.1:8104")
    page = await desk.client.get(path)
    assert page.status_code == 200 and "Saturday 6 March 2027" in page.text
    tampered = await desk.client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert tampered.status_code == 404
    answered = await desk.client.post(path, data={"practice_changed": "yes", "confidence_before": "2",
                                                  "confidence_after": "4", "example": "I ask about school"})
    assert answered.status_code == 200, answered.text
    assert (await desk.client.post(path, data={"practice_changed": "no", "confidence_before": "1",
                                               "confidence_after": "1"})).status_code == 409
    [event] = await desk.owed(TrainingSurveyAnswered)
    assert (event.survey_id, event.practice_changed, event.confidence_after) == (due.survey_id, True, 4)
    desk.clock.set(at("2027-03-07", 9))
    assert (await desk.client.get(path)).status_code == 410


async def test_the_trainee_answers_the_follow_up_and_the_manager_the_team_survey(desk):
    await import_and_schedule(desk)
    await tick_and_send(desk, "2027-02-08")
    police = desk.agency("police")
    [follow_up, *_] = await surveys(desk, status="sent", agency="police")
    assert follow_up["kind"] == "follow_up"
    manager = next(s for s in await surveys(desk, status="sent") if s["kind"] == "manager" and s["agency"] == "police")
    url = "/v1/training/surveys/{}/answers"

    answered = await desk.ok("POST", url.format(follow_up["survey_id"]), police, json={
        "survey": "follow_up", "practice_changed": True, "confidence_before": 2, "confidence_after": 4,
        "example": "I now ask about school attendance at every visit"})
    await desk.ok("POST", url.format(manager["survey_id"]), police, json={
        "survey": "manager", "change_noticed": True, "team_impact": 4})

    assert answered["status"] == "answered"
    assert (await desk.client.post(url.format(follow_up["survey_id"]), headers=police, json={
        "survey": "follow_up", "practice_changed": False, "confidence_before": 1,
        "confidence_after": 1})).status_code == 409
    assert (await desk.client.post(url.format(manager["survey_id"]), headers=desk.agency("school"), json={
        "survey": "manager", "change_noticed": False, "team_impact": 1})).status_code == 404
    out_of_range = await desk.client.post(url.format(manager["survey_id"]), headers=police,
                                          json={"survey": "manager", "change_noticed": True, "team_impact": 9})
    assert out_of_range.status_code == 422
    events = await desk.owed(TrainingSurveyAnswered)
    assert [(e.survey, e.confidence_after, e.team_impact) for e in events] == [("follow_up", 4, None),
                                                                               ("manager", None, 4)]
    assert "school attendance at every visit" not in await desk.outbox_text()


async def test_a_survey_not_yet_sent_cannot_be_answered(desk):
    await import_and_schedule(desk)
    [pending, *_] = await surveys(desk, status="pending", agency="school")

    response = await desk.client.post(f"/v1/training/surveys/{pending['survey_id']}/answers",
                                      headers=desk.agency("school"),
                                      json={"survey": "follow_up", "practice_changed": True, "confidence_before": 3,
                                            "confidence_after": 4})

    assert response.status_code == 409 and "not been sent" in response.json()["detail"]


async def test_the_impact_of_core_training_is_reported_by_course(desk):
    await import_and_schedule(desk)
    await tick_and_send(desk, "2027-02-08")
    for survey in await surveys(desk, status="sent", agency="police"):
        follow_up = {"survey": "follow_up", "practice_changed": True, "confidence_before": 2, "confidence_after": 5}
        manager = {"survey": "manager", "change_noticed": False, "team_impact": 2}
        answers = follow_up if survey["kind"] == "follow_up" else manager
        await desk.ok("POST", f"/v1/training/surveys/{survey['survey_id']}/answers", json=answers)

    report = await desk.ok("GET", "/v1/training/impact", params={"by": "course"})

    children = report["groups"]["Core safeguarding children"]
    assert children["completions"] == 2
    assert children["follow_up"] == {"sent": 2, "answered": 2, "response_rate_percent": 100.0,
                                     "practice_changed_percent": 100.0, "mean_confidence_before": 2.0,
                                     "mean_confidence_after": 5.0}
    assert children["manager"]["change_noticed_percent"] == 0.0 and children["manager"]["mean_team_impact"] == 2.0
    assert report["groups"]["Core safeguarding adults"]["follow_up"]["response_rate_percent"] == 0.0
    assert (await desk.client.get("/v1/training/impact", headers=desk.agency("police"))).status_code == 403


async def test_the_command_line_importer_sends_a_large_file_in_batches_with_a_progress_bar(desk, tmp_path, issuer):
    path = tmp_path / "completions.csv"
    path.write_text("trainee,agency,course,completed_on,trainee_email,manager_email\n" + "".join(
        f"STAFF-{n:05d},police,Core safeguarding children,2026-11-{1 + n % 28:02d},s{n}@police.example,"
        f"m{n % 9}@police.example\n" for n in range(1200)))
    progress = io.StringIO()
    token = issuer.mint(agency="partnership", roles=["business_unit"])

    totals = await import_file(path, desk.client, token, batch_size=500, stream=progress)

    assert totals == {"received": 1200, "imported": 1200, "already_imported": 0}
    # The addresses the surveys go to came through with each completion.
    stored = {r["trainee"]: (r["trainee_email"], r["manager_email"]) for r in await desk.service.rows(
        training_completions)}
    assert stored["STAFF-00010"] == ("s10@police.example", "m1@police.example")
    lines = progress.getvalue().splitlines()
    assert lines[-1].startswith("importing [##############################] 1,200/1,200 completions 100%")
    assert len(lines) == 3  # one line per batch that crossed a tenth (not a terminal)
    again = await import_file(path, desk.client, token, batch_size=500, stream=io.StringIO())
    assert again["already_imported"] == 1200


BAD_FILE = "trainee,agency,course,completed_on\nSTAFF-1,police,Core,2026-11-01\nSTAFF-2,polce,Core,2026-11-01\n"


async def test_the_importer_checks_the_whole_file_first_and_sends_nothing_if_a_line_is_wrong(desk, tmp_path, service):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE)

    with pytest.raises(RuleBroken):
        await import_file(path, desk.client, "unused", stream=io.StringIO())

    assert await service.count(training_completions) == 0


def test_the_importer_command_names_each_bad_line_and_exits_2_without_calling_the_service(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE)

    code = main([str(path), "--token", "unused", "--url", "http://127.0.0.1:9"])

    err = capsys.readouterr().err
    assert code == 2 and "nothing was imported" in err and "line 3 agency: unknown agency 'polce'" in err


async def test_a_survey_whose_message_is_refused_is_listed_undeliverable_and_never_counts_as_sent(desk):
    await import_and_schedule(desk)
    await tick_on(desk, "2027-01-05")
    [due, *_] = await desk.owed(TrainingSurveyDue)
    failed = NotificationFailed(notification_id="n-1", recipient_kind="trainee", template="training_follow_up_survey",
                                channel="smtp", reason="rejected", smtp_code=550, attempts=1, survey_id=due.survey_id)
    await deliver_envelope(desk.service, failed.envelope(producer="notifications", occurred_at=desk.clock.now()))

    [listed] = await surveys(desk, status="undeliverable")
    assert listed["survey_id"] == due.survey_id and await desk.owed(TrainingSurveySent) == []


async def test_an_e_mail_address_that_is_not_one_is_refused_naming_the_field_never_the_value(desk):
    text = COMPLETIONS + "STAFF-0004,police,Core safeguarding children,2026-10-05,,not-an-address,\n"

    refused = await import_csv(desk, text)

    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "completions", "line 5", "trainee_email"]
    assert "not-an-address" not in refused.text


async def test_a_survey_answered_before_word_of_its_message_arrives_still_meets_its_clock_once(desk):
    await import_and_schedule(desk)
    await tick_on(desk, "2027-01-05")
    [due, *_] = [e for e in await desk.owed(TrainingSurveyDue) if e.agency == "police"]
    recipient = await desk.ok("GET", f"/v1/training/surveys/{due.survey_id}/recipient", headers={})
    path = recipient["survey_url"].removeprefix("http://127.0.0.1:8104")
    answered = await desk.client.post(path, data={"practice_changed": "no", "confidence_before": "3",
                                                  "confidence_after": "3"})
    assert answered.status_code == 200

    await the_messages_leave(desk, "2027-01-05")
    await the_messages_leave(desk, "2027-01-05")

    assert [e.survey_id for e in await desk.owed(TrainingSurveySent) if e.agency == "police"] == [due.survey_id]
    [survey] = [s for s in await surveys(desk) if s["survey_id"] == due.survey_id]
    assert (survey["status"], survey["sent_on"]) == ("answered", "2027-01-05")
