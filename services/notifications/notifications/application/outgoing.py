"""Queueing a message: render it, find its recipient, store it with its PDFs, once.

A message is queued inside the transaction of the event that owes it (the consumer's inbox): the
row (unique on its idempotency key), its rendered body and any PDF commit with the inbox row or not
at all. Everything the message says is fixed here, so every attempt sends the same bytes; only what another
service keeps (a survey's recipient, a rapid review's free text, a family letter's recipient and words)
is added at each attempt, the same
answer giving the same bytes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from safeguard_shared import tracing
from safeguard_shared.bus import PermanentError
from safeguard_shared.unit_of_work import UnitOfWork

from ..adapters import message_log
from ..adapters.calendar import Meeting, meeting_request
from ..adapters.message_log import TO_RENDER
from ..adapters.pdf import PdfRenderer
from ..adapters.templates import render
from ..domain.delivery import QUEUED
from ..domain.messages import ATTACHED_DOCUMENTS, FILLED_FROM_REFERRALS, MessageOwed

# Recipient kinds the directory answers for; any other needs the event to carry the recipient.
DIRECTORY_KINDS = ("national_panel", "ofsted", "secretary_of_state", "business_unit")


class Tally:
    """How many messages were queued since the service started (in transactions that may yet roll back):
    a consumer's commit wakes the dispatcher only when it has moved."""

    def __init__(self) -> None:
        self.count = 0


@dataclass(frozen=True)
class Outgoing:
    """What every message is written with: the partnership's directory of recipients and its name,
    the channel that will carry it, and the PDF renderer for letters and attached documents."""

    directory: dict[str, Any]
    partnership: str
    channel: str
    pdf: PdfRenderer
    # How a recipient reaches the partnership: address lines, phone and e-mail (settings, README).
    contact: dict[str, Any] = field(default_factory=lambda: {"address": [], "phone": "", "email": ""})
    # Where the pages a message mentions are: the workspace's public address (no trailing slash).
    workspace_url: str = "http://127.0.0.1:8100"
    queued: Tally = field(default_factory=Tally, compare=False)

    def recipient(self, owed: MessageOwed) -> dict[str, Any]:
        """Name and address: the event's own recipient, else the directory's for the kind."""
        entry: dict[str, Any]
        if owed.survey_id is not None:
            # The audits service gives the address when the message is sent; nothing identifying is kept here.
            entry = {"name": "colleague", "address": ""}
        elif owed.to is not None:
            entry = {"name": owed.to.name, "address": owed.to.email}
        elif owed.recipient_kind in ("agency", "referrer"):
            entry = self.directory["agencies"].get(owed.agency) or self.directory["business_unit"]
        elif owed.recipient_kind == "audit_lead":
            entry = self.directory["audit_leads"].get(owed.agency) or self.directory["business_unit"]
        elif owed.recipient_kind in DIRECTORY_KINDS:
            entry = self.directory[owed.recipient_kind]
        else:
            raise PermanentError(f"a message to a {owed.recipient_kind} needs the recipient in the event that owes it")
        return entry


async def queue_all(uow: UnitOfWork, owed: list[MessageOwed], outgoing: Outgoing, *,
                    context: dict[str, Any] | None = None, case_id: str | None = None,
                    audit_id: str | None = None) -> list[str]:
    """Queue each message owed (once); the ids of those newly queued."""
    queued = []
    for message in owed:
        notification_id = await queue(uow, message, outgoing, context=context or {}, case_id=case_id,
                                      audit_id=audit_id)
        if notification_id:
            queued.append(notification_id)
    return queued


async def queue(uow: UnitOfWork, owed: MessageOwed, outgoing: Outgoing, *, context: dict[str, Any],
                case_id: str | None = None, audit_id: str | None = None) -> str | None:
    """Render and store one message unless its idempotency key is already stored; its id if queued."""
    if await message_log.already_queued(uow.session, owed.idempotency_key):
        return None
    recipient = outgoing.recipient(owed)
    now = uow.now()
    today = uow.clock.today()
    values = {**context, **owed.context, "partnership": outgoing.partnership, "contact": outgoing.contact,
              "recipient_name": recipient["name"],
              # Written to the business unit itself: no "tell the business unit" in it.
              "to_business_unit": owed.recipient_kind == "business_unit",
              "agency": owed.agency or context.get("agency"),
              "workspace": outgoing.workspace_url.rstrip("/")}
    # The case's page in the workspace, found by its reference (never its id: no UUID in any message);
    # the workspace asks the recipient to sign in and shows the case only to those who may see it.
    values["case_page"] = (f"{values['workspace']}/cases?q={quote(str(values['case_ref']))}"
                           if values.get("case_ref") else f"{values['workspace']}/")
    text = render(owed.template, **values)
    route = owed.route
    business_unit = outgoing.directory["business_unit"]
    if route == "email" or owed.to is None:
        to, body = recipient, text
    else:
        # Post, or a restriction to check: the business unit gets the letter to act on.
        to = business_unit
        body = render("letter_for_business_unit", partnership=outgoing.partnership, contact=outgoing.contact,
                      recipient_name=business_unit["name"], route=route, addressee=owed.to.name,
                      restriction=owed.to.restriction, postal_address=list(owed.to.postal_address),
                      letter_subject=owed.subject, case_ref=values.get("case_ref"))
    documents = []
    if owed.is_letter and owed.letter_no is not None:
        # Its text with the markers, made a PDF at each attempt once the referrals service fills them.
        documents.append(("letter.pdf", TO_RENDER, text.encode()))
    elif owed.is_letter:
        documents.append(("letter.pdf", "letter", outgoing.pdf.render(
            text, title=owed.subject, dated=today, at=now,
            address_lines=(owed.to.name, *owed.to.postal_address) if owed.to and owed.to.postal_address else ())))
    if isinstance(values.get("calendar"), Meeting) and route == "email":
        # The meeting as a calendar invitation Outlook accepts (adapters/calendar.py), for this recipient.
        invitation = meeting_request(values["calendar"], to["address"], stamp=now)
        documents.append(("invitation.ics", "invitation", invitation))
    if owed.template in ATTACHED_DOCUMENTS:
        document, filename = ATTACHED_DOCUMENTS[owed.template]
        source = render(document, **values)
        if owed.template in FILLED_FROM_REFERRALS:
            # Its text with the markers, made a PDF at each attempt once the referrals service fills them.
            documents.append((filename, TO_RENDER, source.encode()))
        else:
            documents.append((filename, "document", outgoing.pdf.render(source, title=owed.subject, dated=today,
                                                                       at=now)))
    notification_id = str(uuid.uuid4())
    row = dict(
        notification_id=notification_id, idempotency_key=owed.idempotency_key, case_id=case_id,
        case_ref=values.get("case_ref"),
        audit_id=audit_id, survey_id=owed.survey_id, letter_no=owed.letter_no, recipient_kind=owed.recipient_kind,
        recipient_name=recipient["name"],
        recipient_address=to["address"], agency=owed.agency, template=owed.template,
        subject=owed.delivered_subject, body=body, route=route, status=QUEUED,
        # One Message-ID for the life of the message, across every retry and an in-doubt resend.
        message_id=f"<{owed.idempotency_key}@safeguard.local>",
        channel=outgoing.channel, attempts=0, queued_at=now, next_attempt_at=now,
        trace_context=tracing.current_traceparent())
    if not await message_log.add_message(uow.session, row, documents):
        return None
    outgoing.queued.count += 1
    return notification_id
