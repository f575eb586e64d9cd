"""Which messages an event owes, to whom, and the key that makes each one happen once. No I/O.

The idempotency key names what, to whom and on which occasion: the same referral redelivered any
number of times yields the same keys, so the same messages, once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

# Subject lines never carry a name, a reference or a date of birth: they are constants.
SUBJECTS = {
    "serious_incident_notification": "Serious incident notification from the safeguarding partnership",
    "looked_after_child_death_notice": "Notification of the death of a looked-after child or care leaver",
}


@dataclass(frozen=True)
class MessageOwed:
    recipient_kind: str
    template: str
    occasion: str  # e.g. "case:<case_id>"

    @property
    def idempotency_key(self) -> str:
        raw = f"{self.template}|{self.recipient_kind}|{self.occasion}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def subject(self) -> str:
        return SUBJECTS[self.template]


def when_case_opened_send_statutory_notices(case_id: str, notices_owed: list[str]) -> list[MessageOwed]:
    occasion = f"case:{case_id}"
    owed = []
    for kind in notices_owed:
        if kind == "national_panel":
            owed.append(MessageOwed("national_panel", "serious_incident_notification", occasion))
        elif kind in ("secretary_of_state", "ofsted"):
            owed.append(MessageOwed(kind, "looked_after_child_death_notice", occasion))
    return owed
