"""The page a trainee or a manager answers their survey on, through the link in their message: no
account, no bearer token — the signed, expiring link is the proof (domain/survey_links.py). Plain
HTML that works without script; the answers go through the same use case as the API's."""
from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..application import training as use_cases
from ..domain.errors import OutOfOrder
from ..domain.survey_links import BadLink, ExpiredLink, SurveyLink, verify
from .common import runtime_of

router = APIRouter(tags=["training impact"])

SCALE = ("1", "2", "3", "4", "5")
QUESTIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    # (field, question, the choices: yes/no, or the 1–5 scale)
    "follow_up": [("practice_changed", "Has the training changed how you work?", ("yes", "no")),
                  ("confidence_before", "How confident were you before the training? (1 not at all, 5 very)", SCALE),
                  ("confidence_after", "How confident are you now? (1 not at all, 5 very)", SCALE)],
    "manager": [("change_noticed", "Have you noticed a difference in your team's practice?", ("yes", "no")),
                ("team_impact", "How much impact has it had on your team? (1 none, 5 a great deal)", SCALE)],
}
FREE_TEXT = {"follow_up": ("example", "An example (optional; no names of children, adults or families)"),
             "manager": ("comments", "Comments (optional; no names of children, adults or families)")}


def _long_date(day: Any) -> str:
    return format_date(day, "EEEE d MMMM y", locale="en_GB")


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
                        f"</title></head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>",
                        status_code=status_code)


def _link(request: Request, token: str) -> SurveyLink | HTMLResponse:
    try:
        return verify(request.app.state.survey_link_key, token, runtime_of(request).clock.today())
    except ExpiredLink as exc:
        return _page("This survey link has expired",
                     f"<p>The link worked until {escape(_long_date(exc.expired_on))}. If you would still like "
                     "to answer, reply to the message it came in and the business unit will send a new one.</p>",
                     410)
    except BadLink:
        return _page("This is not a survey link", "<p>Check that the whole link was copied from the message.</p>",
                     404)


async def _open(request: Request, token: str) -> tuple[SurveyLink, str] | HTMLResponse:
    """The survey a link opens, and its kind; else the page that says why it does not."""
    link = _link(request, token)
    if isinstance(link, HTMLResponse):
        return link
    kind = await use_cases.kind_of_sent_survey(link.survey_id, runtime_of(request).unit_of_work())
    if kind is None:
        return _page("This is not a survey link", "<p>No survey is waiting for this link.</p>", 404)
    return link, kind


@router.api_route("/surveys/{token}", methods=["GET", "POST"], response_class=HTMLResponse,
                  include_in_schema=False)
async def survey(token: str, request: Request) -> HTMLResponse:
    """GET: the questions; POST: the answers."""
    opened = await _open(request, token)
    if isinstance(opened, HTMLResponse):
        return opened
    link, kind = opened
    if request.method == "POST":
        return await _answer(request, link, kind)
    fields = []
    for name, question, choices in QUESTIONS[kind]:
        options = "".join(f'<label><input type="radio" name="{name}" value="{c}" required> {c}</label> '
                          for c in choices)
        fields.append(f"<fieldset><legend>{escape(question)}</legend>{options}</fieldset>")
    text_name, text_label = FREE_TEXT[kind]
    fields.append(f'<p><label for="{text_name}">{escape(text_label)}</label><br>'
                  f'<textarea id="{text_name}" name="{text_name}" maxlength="5000" rows="6" cols="60"></textarea></p>')
    return _page("Safeguarding training survey",
                 f"<p>This link works until {escape(_long_date(link.expires_on))}.</p>"
                 f'<form method="post">{"".join(fields)}<button type="submit">Send my answers</button></form>')


async def _answer(request: Request, link: SurveyLink, kind: str) -> HTMLResponse:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    answers: dict[str, Any] = {}
    missing = []
    for name, question, choices in QUESTIONS[kind]:
        given = form.get(name, "")
        if given not in choices:
            missing.append(question)
        else:
            answers[name] = given == "yes" if choices == ("yes", "no") else int(given)
    text_name, _ = FREE_TEXT[kind]
    answers[text_name] = (form.get(text_name) or "").strip()[:5000] or None
    if missing:
        items = "".join(f"<li>{escape(q)}</li>" for q in missing)
        return _page("Some answers are missing", f"<p>Please go back and answer:</p><ul>{items}</ul>", 422)
    try:
        await use_cases.answer_survey(use_cases.AnswerSurvey(link.survey_id, kind, answers), None,
                                      runtime_of(request).unit_of_work())
    except OutOfOrder:
        return _page("This survey has already been answered", "<p>Thank you: your answers are recorded.</p>", 409)
    return _page("Thank you", "<p>Your answers are recorded. They help the partnership show what difference its "
                              "training makes.</p>")
