"""The partnership's work beyond the deadlines: cases, action plans, audits, learning themes,
training and its impact, notifications, and the headline summary."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from . import stages
from .rows import SurveyRow
from .snapshot import PARTNERSHIP, Figure, Snapshot, median, share, tally
from .timeliness import overdue, timeliness


def cases(snap: Snapshot) -> Figure:
    opened = [c for c in snap.cases if stages.stage_of(c) != "returned"]
    returned = [c for c in snap.cases if stages.stage_of(c) == "returned"]
    by_both = Counter((c.get("pathway") or "unknown", stages.stage_of(c)) for c in opened)
    return {
        "open": sum(1 for c in opened if stages.is_open(c)),
        "concluded": sum(1 for c in opened if not stages.is_open(c)),
        "returned": len(returned),
        "by_pathway": tally(c.get("pathway") for c in opened),
        "by_stage": tally(stages.stage_of(c) for c in opened),
        "by_referral_source": tally(c.get("referring_agency") for c in opened),
        "rows": [{"pathway": p, "stage": s, "cases": n} for (p, s), n in sorted(by_both.items())],
    }


ACTION_STATUSES = ("open", "in_progress", "overdue", "completed")


def action_plans(snap: Snapshot) -> Figure:
    by_agency: dict[str, Counter[str]] = defaultdict(Counter)
    for a in snap.actions:
        by_agency[a.get("owning_agency") or PARTNERSHIP][a["status"]] += 1
    done = [a for a in snap.actions if a["status"] == "completed"]
    return {
        "actions": len(snap.actions),
        "by_status": tally(a["status"] for a in snap.actions),
        "by_source": tally(a.get("source") for a in snap.actions),
        "completed_on_time": sum(1 for a in done if a.get("on_time")),
        "share_completed_on_time": share(sum(1 for a in done if a.get("on_time")), len(done)),
        "by_owning_agency": [{"agency": k, "actions": sum(v.values()), **{s: v[s] for s in ACTION_STATUSES}}
                             for k, v in sorted(by_agency.items())],
        "recommendations": {"published": len(snap.recommendations),
                            "by_owning_agency": tally(r.get("owning_agency") for r in snap.recommendations),
                            "by_pathway": tally(r.get("pathway") for r in snap.recommendations)},
        "rows": [{"agency": k, "status": s, "actions": n}
                 for k, v in sorted(by_agency.items()) for s, n in sorted(v.items())],
    }


def audits(snap: Snapshot) -> Figure:
    themes = Counter((a.get("theme") or "unknown", a.get("kind") or "unknown") for a in snap.audits)
    owed = sum(a.get("responses_owed") or 0 for a in snap.audits)
    return {
        "audits": len(snap.audits),
        "by_kind": tally(a.get("kind") for a in snap.audits),
        "by_stage": tally(a.get("stage") for a in snap.audits),
        "themes": [{"theme": t, "kind": k, "audits": n} for (t, k), n in sorted(themes.items())],
        "findings": sum(a.get("findings") or 0 for a in snap.audits),
        "recommendations": sum(a.get("recommendations") or 0 for a in snap.audits),
        "ratified": sum(1 for a in snap.audits if a.get("ratified_on")),
        "responses": {"owed": owed, "submitted": len(snap.audit_responses),
                      "share_submitted": share(len(snap.audit_responses), owed),
                      "by_agency": tally(r.get("agency") for r in snap.audit_responses)},
        "concerns_escalated": len(snap.concerns),
        "concerns_by_agency": tally(c.get("agency_concerned") for c in snap.concerns),
        "good_practice_acknowledged": tally(g.get("agency") for g in snap.good_practice),
        "learning_events": {"held": sum(1 for a in snap.audits if a.get("invited") is not None),
                            "agencies_invited": sum(a.get("invited") or 0 for a in snap.audits),
                            "agencies_attended": sum(a.get("attended") or 0 for a in snap.audits)},
        "briefings": {"held": len(snap.briefings), "attendees": sum(b.get("attendees") or 0 for b in snap.briefings)},
        "rows": [{"theme": t, "kind": k, "audits": n} for (t, k), n in sorted(themes.items())],
    }


def learning_themes(snap: Snapshot) -> Figure:
    """Themes across the partnership's learning: themes the QA sub-group published, the themes audits
    examined, and the learning published from audits (review events carry no themes, only counts)."""
    count: dict[str, Counter[str]] = defaultdict(Counter)
    for a in snap.audits:
        if theme := a.get("theme"):
            count[theme.strip().lower()]["audits"] += 1
    for t in snap.themes:
        kind = "published_themes" if t.get("source") == "theme" else "learning_published"
        count[t["theme"].strip().lower()][kind] += 1
        count[t["theme"].strip().lower()]["learning_points"] += t.get("learning_points") or 0
    rows: list[Figure] = [{"theme": theme, "audits": c["audits"], "published_themes": c["published_themes"],
             "learning_published": c["learning_published"], "learning_points": c["learning_points"]}
            for theme, c in count.items()]
    rows.sort(key=lambda r: (-(r["audits"] + r["learning_published"]), r["theme"]))
    return {"themes": len(rows), "rows": rows}


def survey_figures(rows: list[SurveyRow]) -> Figure:
    sent = [s for s in rows if s.get("sent_on")]
    answered = [s for s in rows if s.get("answered_on")]
    out: Figure = {"sent": len(sent), "responses": len(answered), "response_rate": share(len(answered), len(sent))}
    changed = [c for s in answered if (c := s.get("practice_changed")) is not None]
    noticed = [n for s in answered if (n := s.get("change_noticed")) is not None]
    out.update({
        "practice_changed": share(sum(changed), len(changed)),
        "median_confidence_before": median(b for s in answered if (b := s.get("confidence_before")) is not None),
        "median_confidence_after": median(a for s in answered if (a := s.get("confidence_after")) is not None),
        "change_noticed_by_managers": share(sum(noticed), len(noticed)),
        "median_team_impact": median(t for s in answered if (t := s.get("team_impact")) is not None),
    })
    return out


def training(snap: Snapshot) -> Figure:
    kinds = sorted({s.get("survey") or "follow_up" for s in snap.surveys})
    by_survey = {k: survey_figures([s for s in snap.surveys if (s.get("survey") or "follow_up") == k])
                 for k in kinds}
    agencies = sorted({s.get("agency") or PARTNERSHIP for s in snap.surveys})
    rows = []
    for k in kinds:
        for a in agencies:
            mine = [s for s in snap.surveys
                    if (s.get("survey") or "follow_up") == k and (s.get("agency") or PARTNERSHIP) == a]
            if mine:
                f = survey_figures(mine)
                rows.append({"survey": k, "agency": a, "sent": f["sent"], "responses": f["responses"],
                             "response_rate": f["response_rate"]})
    overall = survey_figures(snap.surveys)
    return {"completed_training": len(snap.training),
            "completed_by_agency": tally(t.get("agency") for t in snap.training),
            "surveys_sent": overall["sent"], "responses": overall["responses"],
            "response_rate": overall["response_rate"], "by_survey": by_survey, "rows": rows}


def notifications(snap: Snapshot) -> Figure:
    kinds = tally(n.get("recipient_kind") for n in snap.notifications)
    return {"sent": len(snap.notifications), "by_recipient_kind": kinds}


def summary(snap: Snapshot, today: date) -> Figure:
    c = cases(snap)
    t = timeliness(snap)
    late = overdue(snap, today)
    return {
        "as_of": today.isoformat(),
        "cases": {k: c[k] for k in ("open", "by_pathway", "by_stage", "concluded", "returned", "by_referral_source")},
        "deadlines": {"by_status": tally(d.get("status") for d in snap.deadlines),
                      "by_key": tally(d["key"] for d in snap.deadlines),
                      "overdue": late["total"], "share_on_time": t["share_on_time"]},
        "notifications": notifications(snap),
        "audits": {"by_kind": tally(a.get("kind") for a in snap.audits), "audits": len(snap.audits)},
        "overdue": {"total": late["total"], "by_agency": {r["agency"]: r["overdue"] for r in late["by_agency"]}},
        "action_plans": {"actions": len(snap.actions), "by_status": tally(a["status"] for a in snap.actions)},
    }
