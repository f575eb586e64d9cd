"""The annual report as a PDF (fpdf2): the same figures as the HTML report, tagged with a title and language."""
from __future__ import annotations

from typing import Any

from fpdf import FPDF

from ..domain.words import GROUPS, label_of
from .wording import count, long_date

# The built-in PDF fonts speak Latin-1 only; these are the characters our own words use beyond it.
_PLAIN = str.maketrans({"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "•": "-"})


def _text(value: object) -> str:
    if value is None:
        return "-"
    text = str(value).translate(_PLAIN)
    return text.encode("latin-1", "replace").decode("latin-1")


def _words(value: object) -> str:
    return _text(label_of(None if value is None else str(value)))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.title_text = title
        self.set_title(title)
        self.set_lang("en-GB")
        self.set_creator("safeguard reporting")
        self.set_auto_page_break(True, margin=15)
        self.set_margins(18, 18, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, _text(f"{self.title_text} - page {self.page_no()}"), align="C")

    def heading(self, text: str, size: int = 14) -> None:
        self.ln(3)
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, 7, _text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=10)

    def para(self, text: str) -> None:
        self.set_font("Helvetica", size=10)
        self.multi_cell(0, 5, _text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def grid(self, caption: str, header: list[str], rows: list[list[Any]]) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 6, _text(caption), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9)
        if not rows:
            self.para("None recorded.")
            return
        with self.table(first_row_as_headings=True, line_height=5, text_align="LEFT") as table:
            table.row([_text(h) for h in header])
            for r in rows:
                table.row([_text(c) for c in r])
        self.ln(2)


def annual_pdf(a: dict[str, Any], partnership: str) -> bytes:
    year = a["year"]
    pdf = _Report(f"{partnership}: annual report {year['label']}")
    pdf.add_page()
    pdf.heading(f"{partnership}: learning and improvement, annual report {year['label']}", 16)
    pdf.para(f"Reporting year {long_date(year['from'])} to {long_date(year['to'])}. Aggregate figures only: no "
             "child or adult can be identified from this report.")

    r = a["referrals"]
    pdf.heading("Referrals")
    pdf.para(f"{count(r['received'], 'referral', 'referrals')} opened a case; "
             f"{count(r['returned_incomplete'], 'was', 'were')} returned as incomplete.")
    pdf.grid("Referrals by referral source", ["Referring agency", "Referrals"],
             [[_words(k), v] for k, v in r["by_referral_source"].items()])

    rr = a["rapid_reviews"]
    pdf.heading("Rapid reviews")
    median = rr["median_days_to_complete"]
    pdf.para(f"{count(rr['opened'], 'rapid review', 'rapid reviews')} began and "
             f"{count(rr['completed'], 'was', 'were')} completed"
             + (f" (median {count(median, 'day', 'days')})" if median is not None else "")
             + f"; {count(rr['ongoing_at_year_end'], 'was', 'were')} under way at the year's end.")
    pdf.grid("Decisions", ["Decision", "Rapid reviews"], [[_words(k), v] for k, v in rr["decisions"].items()])
    pdf.grid("The national Panel's responses", ["Response", "Rapid reviews"],
             [[_words(k), v] for k, v in rr["panel_responses"].items()])

    c = a["csprs"]
    pdf.heading("Child safeguarding practice reviews")
    median = c["median_days_to_publish"]
    pdf.para(f"{count(c['commissioned'], 'CSPR was', 'CSPRs were')} decided on, {count(c['published'], 'was', 'were')} "
             f"published" + (f" ({c['published_in_full']} in full"
                             + (f"; median {count(median, 'day', 'days')} from the decision" if median is not None
                                else "") + ")" if c["published"] else "")
             + f", and {count(c['ongoing_at_year_end'], 'was', 'were')} ongoing at the year's end.")

    s = a["sars"]
    pdf.heading("Safeguarding adult reviews")
    pdf.para(f"{count(s['referrals_received'], 'SAR referral was', 'SAR referrals were')} received; "
             f"{count(s['screened_out'], 'did', 'did')} not proceed past screening. The sub-group decided to convene "
             f"{count(s['decisions']['convened'], 'SAR', 'SARs')} and not to convene "
             f"{count(s['decisions']['not_convened'], 'SAR', 'SARs')}.")
    pdf.grid("SARs concluded and ongoing", ["Measure", "Number"], [
        ["Commissioned in the year", s["commissioned"]],
        ["Concluded (signed off by the board)", s["concluded"]],
        ["Ongoing at the year's end", s["ongoing_at_year_end"]],
        ["Of those, delayed past six months", s["delayed_at_year_end"]],
        ["Published", s["published"]],
        ["Median days from commission to sign-off", s["median_days_to_conclude"]]])
    f = s["findings"]
    pdf.heading("Acting on the findings", 12)
    pdf.para(f"For {count(f['reviews'], 'SAR', 'SARs')} the partnership recorded "
             f"{count(f['findings'], 'finding', 'findings')}, "
             f"took {count(f['actions_taken'], 'action', 'actions')} on them, and did not act on "
             f"{count(f['not_acted_on'], 'finding', 'findings')}.")
    pdf.grid("Reasons findings were not acted on", ["Reason", "Findings"],
             [[x["reason"], x["findings"]] for x in f["reasons_not_acted_on"]])

    au = a["audits"]
    pdf.heading("Multi-agency case file audits")
    pdf.para(f"{count(au['audits'], 'audit was', 'audits were')} reported to the QA sub-group in the year"
             + (f", on: {', '.join(au['themes'])}." if au["themes"] else "."))
    pdf.para((f"They recorded {count(au['findings'], 'finding', 'findings')} and "
              f"{count(au['recommendations'], 'recommendation', 'recommendations')}. " if au["audits"] else "")
             + f"In the year {count(au['ratified'], 'audit was', 'audits were')} ratified and "
             + count(au["concerns_escalated"], "immediate safeguarding concern was",
                     "immediate safeguarding concerns were") + " escalated.")
    ap = a["action_plans"]
    pdf.heading("Action plans", 12)
    pdf.para(f"{count(ap['created'], 'action was', 'actions were')} added to action plans and "
             f"{count(ap['completed'], 'was', 'were')} completed in the year.")
    pdf.grid("Actions by status", ["Status", "Actions"], [[_words(k), v] for k, v in ap["by_status"].items()])
    pdf.grid("Actions on SAR recommendations, by status", ["Status", "Actions"],
             [[_words(k), v] for k, v in ap["sar_actions_by_status"].items()])
    t = a["training"]
    pdf.heading("Training impact", 12)
    pdf.para(f"{count(t['completed'], 'person', 'people')} completed core training. Of "
             f"{count(t['sent'], 'survey', 'surveys')} sent in the year, "
             f"{count(t['responses'], 'was', 'were')} answered"
             + (f" ({_pct(t['response_rate'])})." if t["sent"] else "."))

    pdf.heading("Timeliness of deadlines due in the year")
    for group, caption in GROUPS.items():
        pdf.grid(caption, ["Step", "On time", "Late", "Overdue", "Share on time"],
                 [[t["what"], t["met_on_time"], t["met_late"], t["overdue"], _pct(t["share_on_time"])]
                  for t in a["timeliness"] if t.get("group", "reviews") == group])
    return bytes(pdf.output())
