"""Which statutory notices a child referral owes, and whether a rapid review follows.

Framework and Working Together: a serious incident (abuse or neglect known or suspected, and the child
died or was seriously harmed) is notified to the national Panel and starts a rapid review; the death
of a looked-after child, or of a care leaver up to the age of 24, is notified to the Secretary of
State and Ofsted whether or not abuse or neglect is suspected.
"""
from __future__ import annotations

from datetime import date

import pytest

from referrals.domain.referral import ChildReferralFacts, age_on, assess_child_referral, new_case_ref

AWARE = date(2026, 12, 21)


def facts(**changes) -> ChildReferralFacts:
    values = dict(outcome="seriously_harmed", abuse_or_neglect="suspected", looked_after=False,
                  care_leaver=False, date_of_birth=date(2015, 4, 2), became_aware_on=AWARE)
    values.update(changes)
    return ChildReferralFacts(**values)


@pytest.mark.parametrize("outcome", ["died", "seriously_harmed"])
@pytest.mark.parametrize("abuse_or_neglect", ["known", "suspected"])
def test_a_serious_incident_is_notified_to_the_national_panel_and_starts_a_rapid_review(outcome, abuse_or_neglect):
    assessment = assess_child_referral(facts(outcome=outcome, abuse_or_neglect=abuse_or_neglect))

    assert assessment.serious_incident
    assert assessment.rapid_review
    assert assessment.notices_owed == ("national_panel",)
    assert not assessment.looked_after_death


@pytest.mark.parametrize("abuse_or_neglect", ["known", "suspected", "not_suspected"])
def test_the_death_of_a_looked_after_child_is_notified_to_the_secretary_of_state_and_ofsted_whatever_is_suspected(
        abuse_or_neglect):
    assessment = assess_child_referral(facts(outcome="died", looked_after=True, abuse_or_neglect=abuse_or_neglect))

    assert assessment.looked_after_death
    assert {"secretary_of_state", "ofsted"} <= set(assessment.notices_owed)
    # The Panel hears of it only when it is also a serious incident, and only that starts a rapid review.
    suspected = abuse_or_neglect != "not_suspected"
    assert ("national_panel" in assessment.notices_owed) is suspected
    assert assessment.rapid_review is suspected


def test_a_looked_after_child_seriously_harmed_without_suspected_abuse_owes_no_notice():
    assessment = assess_child_referral(facts(outcome="seriously_harmed", looked_after=True,
                                             abuse_or_neglect="not_suspected"))

    assert assessment.notices_owed == ()
    assert not assessment.looked_after_death


def test_a_care_leaver_who_dies_aged_24_is_in_scope_of_the_looked_after_death_notice():
    # Born 22 December 2001: on 21 December 2026 the care leaver is 24, the last day before turning 25.
    born = date(2001, 12, 22)
    assert age_on(born, AWARE) == 24

    assessment = assess_child_referral(facts(outcome="died", abuse_or_neglect="not_suspected",
                                             care_leaver=True, date_of_birth=born))

    assert assessment.looked_after_death
    assert assessment.notices_owed == ("secretary_of_state", "ofsted")
    assert not assessment.rapid_review


def test_a_care_leaver_who_dies_aged_25_is_out_of_scope():
    # Born 21 December 2001: the 25th birthday is the very day the local authority became aware.
    born = date(2001, 12, 21)
    assert age_on(born, AWARE) == 25

    assessment = assess_child_referral(facts(outcome="died", abuse_or_neglect="not_suspected",
                                             care_leaver=True, date_of_birth=born))

    assert not assessment.looked_after_death
    assert assessment.notices_owed == ()


def test_a_care_leaver_aged_25_whose_death_is_a_serious_incident_still_goes_to_the_panel_only():
    assessment = assess_child_referral(facts(outcome="died", abuse_or_neglect="known", care_leaver=True,
                                             date_of_birth=date(2000, 1, 1)))

    assert assessment.notices_owed == ("national_panel",)
    assert assessment.rapid_review and not assessment.looked_after_death


def test_no_suspected_abuse_and_a_child_seriously_harmed_owes_no_notice_and_no_rapid_review():
    assessment = assess_child_referral(facts(outcome="seriously_harmed", abuse_or_neglect="not_suspected"))

    assert assessment.notices_owed == ()
    assert not assessment.serious_incident
    assert not assessment.rapid_review
    assert not assessment.looked_after_death


def test_a_childs_death_without_suspected_abuse_and_not_looked_after_owes_nothing():
    assessment = assess_child_referral(facts(outcome="died", abuse_or_neglect="not_suspected"))

    assert assessment.notices_owed == () and not assessment.rapid_review


def test_the_case_reference_names_the_pathway_and_year_and_nothing_about_the_child():
    case_id = "3f2a9c1e-0000-4000-8000-000000000000"

    assert new_case_ref("child", AWARE, case_id) == "RR-2026-3F2A9C"
    assert new_case_ref("adult", date(2027, 1, 5), case_id) == "SAR-2027-3F2A9C"
