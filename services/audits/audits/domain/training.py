"""Training impact: a follow-up survey to the trainee after core training, and a survey to the
trainee's manager on the impact for the team. No I/O.

When each survey falls due is the scheduling service's rule (``training.follow_up`` and
``training.manager_survey``, started by ``audits.training.completed``): this service learns the day
from ``scheduling.deadline.scheduled`` and computes no date itself.
"""
from __future__ import annotations

from typing import Any

# The two surveys of a completion, and the fact a survey's sending records on its clock.
SURVEYS = ("follow_up", "manager")
SURVEY_FACT = {"follow_up": "follow_up_survey_sent", "manager": "manager_survey_sent"}
# Who each survey goes to (audits.training.survey_due ``recipient``).
RECIPIENT_OF_SURVEY = {"follow_up": "trainee", "manager": "manager"}
# The scheduling service's rule that times each survey.
SURVEY_OF_RULE = {"training.follow_up": "follow_up", "training.manager_survey": "manager"}


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _share(flags: list[bool]) -> float | None:
    return round(100 * sum(flags) / len(flags), 1) if flags else None


def summarise(completions: int, surveys: list[dict[str, Any]]) -> dict[str, Any]:
    """The impact figures for one group of completions: ``surveys`` are rows with kind, status, answers."""
    out: dict[str, Any] = {"completions": completions}
    for kind in ("follow_up", "manager"):
        rows = [s for s in surveys if s["kind"] == kind]
        sent = [s for s in rows if s["status"] in ("sent", "answered")]
        answered = [s["answers"] for s in rows if s["status"] == "answered"]
        figures: dict[str, Any] = {"sent": len(sent), "answered": len(answered),
                   "response_rate_percent": _share([s["status"] == "answered" for s in sent])}
        if kind == "follow_up":
            figures.update(
                practice_changed_percent=_share([a["practice_changed"] for a in answered]),
                mean_confidence_before=_mean([a["confidence_before"] for a in answered]),
                mean_confidence_after=_mean([a["confidence_after"] for a in answered]))
        else:
            figures.update(change_noticed_percent=_share([a["change_noticed"] for a in answered]),
                           mean_team_impact=_mean([a["team_impact"] for a in answered]))
        out[kind] = figures
    return out
