"""The link a trainee or a manager answers their survey through, without an account. No I/O.

The token names the survey and the link's last day, and is signed with the service's secret key
(HMAC-SHA256, standard library): it cannot be made for another survey, nor kept alive past its day,
without the key. It is deterministic — the same survey, day and key give the same token — so a message
sent again after a failure carries the very same link.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date


class BadLink(Exception):
    """The link was altered, made with another key, or is not a survey link at all."""


class ExpiredLink(Exception):
    def __init__(self, expired_on: date):
        super().__init__(f"the link expired on {expired_on.isoformat()}")
        self.expired_on = expired_on


@dataclass(frozen=True)
class SurveyLink:
    survey_id: str
    expires_on: date


def _signature(key: bytes, survey_id: str, expires_on: date) -> str:
    mac = hmac.new(key, f"survey|{survey_id}|{expires_on.isoformat()}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(key: bytes, survey_id: str, expires_on: date) -> str:
    return f"{survey_id}.{expires_on.strftime('%Y%m%d')}.{_signature(key, survey_id, expires_on)}"


def verify(key: bytes, token: str, today: date) -> SurveyLink:
    """The survey a token names, if its signature holds (compared in constant time) and its day has
    not passed."""
    try:
        survey_id, day, signature = token.split(".")
        expires_on = date(int(day[:4]), int(day[4:6]), int(day[6:8]))
    except ValueError:
        raise BadLink("not a survey link") from None
    if len(day) != 8 or not hmac.compare_digest(signature, _signature(key, survey_id, expires_on)):
        raise BadLink("the link is not one the partnership sent")
    if today > expires_on:
        raise ExpiredLink(expires_on)
    return SurveyLink(survey_id, expires_on)
