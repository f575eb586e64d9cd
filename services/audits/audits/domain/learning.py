"""Published learning: what an audit taught, without identifying details, as Markdown or HTML. No I/O.

Names cannot be recognised by a machine, so the QA lead confirms they were removed; what can be
recognised is refused: a sampled case's reference, and a full date (a date of birth, the day of an
incident), which is rarely needed to learn from an audit and often identifies someone.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_FULL_DATE = re.compile(r"\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\b")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")

KIND_NAMES = {"children": "children's", "adults": "adults'"}


def identifying_details(text: str, case_refs: Iterable[str]) -> list[str]:
    """Why ``text`` may identify someone (empty when nothing recognisable was found)."""
    found = []
    lowered = (text or "").lower()
    for n, ref in enumerate(case_refs, start=1):
        if ref and ref.lower() in lowered:
            found.append(f"the text names sampled case {n} by its reference")
    if _FULL_DATE.search(text or ""):
        found.append("the text holds a full date, which can identify a child or adult: give the month or year")
    return found


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(theme: str, kind: str, learning: Mapping[str, Any],
                good_practice: Sequence[Mapping[str, Any]]) -> str:
    lines = [f"# Learning from a multi-agency case file audit: {_md(theme)}", "",
             f"*A {KIND_NAMES[kind]} audit. Published {learning['published_on']}.*", "",
             _md(learning["summary"]), ""]
    if learning["learning_points"]:
        lines += ["## What we learnt", ""] + [f"- {_md(p)}" for p in learning["learning_points"]] + [""]
    if good_practice:
        lines += ["## Good practice acknowledged", ""]
        lines += [f"- {_md(g['agency'].replace('_', ' '))}: {_md(g['practice'])}" for g in good_practice] + [""]
    return "\n".join(lines)


def to_html(theme: str, kind: str, learning: Mapping[str, Any],
            good_practice: Sequence[Mapping[str, Any]]) -> str:
    e = html.escape
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Learning from a multi-agency case file audit: {e(theme)}</title></head><body>",
             f"<h1>Learning from a multi-agency case file audit: {e(theme)}</h1>",
             f"<p><em>A {e(KIND_NAMES[kind])} audit. Published {e(str(learning['published_on']))}.</em></p>",
             f"<p>{e(learning['summary'])}</p>"]
    if learning["learning_points"]:
        parts += ["<h2>What we learnt</h2>", "<ul>"] + [f"<li>{e(p)}</li>" for p in learning["learning_points"]]
        parts.append("</ul>")
    if good_practice:
        parts += ["<h2>Good practice acknowledged</h2>", "<ul>"]
        parts += [f"<li>{e(g['agency'].replace('_', ' '))}: {e(g['practice'])}</li>" for g in good_practice]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
