"""The safeguarding adult review (SAR) referral form: its fields are ``ReferAdult``'s JSON paths.

The authorisation (``authorised_by.*``) is asked for on the form but not required by it: the
referrals API records a referral without one as *returned*, with the reasons, rather than refusing
it, so that is what the page shows too. Left blank, the whole ``authorised_by`` is left out.
"""
from __future__ import annotations

from .referral_form import AGENCY_OPTIONS, YES_NO, Field

AUTHORISER_ROLES = (("safeguarding_lead", "Safeguarding lead"), ("senior_manager", "Senior manager"))

ADULT_REFERRAL = (
    Field("referring_agency", "Which agency is making this referral?", "choice",
          "Select the agency making this referral", options=AGENCY_OPTIONS),
    Field("authorised_by.name", "Name of the person who authorised this referral", "text",
          "Enter the name of the person who authorised this referral",
          hint="A SAR referral is authorised by your agency's safeguarding lead or a senior manager. "
               "Without an authorisation the referral is returned to you.", required=False),
    Field("authorised_by.role", "Their role", "choice", "Select whether they are a safeguarding lead or a "
          "senior manager", options=AUTHORISER_ROLES, required=False),
    Field("authorised_by.authorised_on", "Date they authorised it", "date",
          "Enter the date the referral was authorised", hint="For example, 21 12 2026", required=False),
    Field("received_on", "Date of this referral (optional)", "date", "",
          hint="Leave this blank to use today's date.", required=False),
    Field("adult.reference", "Your reference for the adult", "text", "Enter your reference for the adult",
          hint="For example, your case or record number. Do not enter the adult's name."),
    Field("adult.date_of_birth", "Adult's date of birth", "date", "Enter the adult's date of birth",
          hint="For example, 12 9 1948"),
    Field("criteria.died", "Has the adult died?", "bool", "Select yes if the adult has died", options=YES_NO),
    Field("criteria.abuse_or_neglect", "Is abuse or neglect known or suspected?", "choice",
          "Select whether abuse or neglect is known or suspected",
          options=(("known", "Known"), ("suspected", "Suspected"), ("not_suspected", "Not suspected"))),
    Field("criteria.concern_agencies_could_have_worked_better",
          "Is there concern that partner agencies could have worked together more effectively?", "bool", "",
          options=YES_NO, required=False),
    Field("criteria.discretionary", "Do you ask for a discretionary review?", "bool", "",
          hint="Where the mandatory criteria are not met but there is learning to be had.", options=YES_NO,
          required=False),
    Field("summary", "Summary of the concerns", "textarea", "Enter a summary of the concerns",
          hint="The facts known so far. Use references, not names.", required=False),
    Field("involved_agencies", "Which agencies are involved with the adult?", "agencies",
          "Select at least one agency involved with the adult", hint="Select all that apply.",
          options=AGENCY_OPTIONS, required=False),
)

# Why a SAR referral may be returned, as the referrals service words it: shown to a referrer coming
# back to a returned referral later, when the service shows its agency the history without the
# reasons (they are told them when they refer, and by letter).
WHY_RETURNED = ("the referral must be authorised by the agency's safeguarding lead or a senior manager",
                "name the agencies involved with the adult",
                "give a summary of the concerns")

# Why a referral was returned, as the referrals service words it, and what to do about each.
RETURN_REASONS_PUT_RIGHT = {
    "authoris": "authorised_by.name",
    "agenc": "involved_agencies",
    "summary": "summary",
}


def field_to_put_right(reason: str) -> str | None:
    """The form field a return reason is about, so the page can link the reason to it."""
    lowered = reason.lower()
    return next((path for word, path in RETURN_REASONS_PUT_RIGHT.items() if word in lowered), None)
