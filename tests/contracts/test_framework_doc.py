"""docs/framework.md stays true to the rules the product runs: every rule of the scheduling service's
timescales file has its row, with the same source, and the page names no rule the file lacks."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# The scheduling service's bundled rules, wherever its layout keeps them.
(RULES,) = sorted((ROOT / "services" / "scheduling" / "scheduling").rglob("timescales.yaml"))
ROW = re.compile(r"^\| `(?P<key>[a-z]+\.[a-z_]+)` \|.*\| (?P<source>[A-Z, ]+?)(?: \(verify\))? \|$")


def _rows(text: str) -> dict[str, tuple[str, ...]]:
    rows = {}
    for line in text.splitlines():
        if match := ROW.match(line):
            rows[match["key"]] = tuple(s.strip() for s in match["source"].split(","))
    return rows


def _sources(rule: dict) -> tuple[str, ...]:
    source = rule["source"]
    return tuple(source) if isinstance(source, list) else (source,)


def test_a_row_reads_its_key_and_sources():
    text = ("| `rr.complete` | the rapid review is completed | 15 working days after | F, WT |\n"
            "| `cspr.final_to_panel` | the final report | 7 working days before | WT (verify) |\n"
            "| key | what | due | source |\n")
    assert _rows(text) == {"rr.complete": ("F", "WT"), "cspr.final_to_panel": ("WT",)}


def test_every_rule_has_its_row_in_the_framework_page_with_its_source():
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]
    rows = _rows((ROOT / "docs" / "framework.md").read_text(encoding="utf-8"))
    assert set(rows) == set(rules), (f"missing from docs/framework.md: {sorted(set(rules) - set(rows))}; "
                                     f"not a rule: {sorted(set(rows) - set(rules))}")
    wrong = {key: (rows[key], _sources(rule)) for key, rule in rules.items() if rows[key] != _sources(rule)}
    assert not wrong, f"sources differ (page, rules file): {wrong}"
