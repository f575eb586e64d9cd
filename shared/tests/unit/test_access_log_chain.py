"""The access log's hash chain, on its own: a whole chain checks out, and a row changed, removed,
put in or moved after it was written is found and named by its number."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from safeguard_shared.access_log.chain import GENESIS, MOST_PROBLEMS, ChainCheck, Verdict, chained, row_hash

START = datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=UTC)


def reads(n: int) -> list[dict]:
    return [{"read_at": START + timedelta(minutes=i), "subject": f"reader-{i % 3}", "agency": "partnership",
             "roles": "business_unit", "operation": "case detail", "endpoint": f"GET /v1/cases/case-{i}",
             "case_id": f"case-{i}", "audit_id": None} for i in range(n)]


def checked(rows: list[dict]) -> Verdict:
    check = ChainCheck()
    for row in rows:
        check.add(row)
    return check.verdict


def test_a_chain_as_written_is_whole_and_ends_with_its_last_rows_hash():
    rows = chained(reads(5), after_seq=0, after_hash=GENESIS)

    verdict = checked(rows)

    assert verdict.intact and verdict.rows == 5 and verdict.problems == []
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["prev_hash"] == GENESIS
    assert all(later["prev_hash"] == earlier["row_hash"] for earlier, later in zip(rows, rows[1:], strict=False))
    assert (verdict.last_seq, verdict.last_hash) == (5, rows[-1]["row_hash"])


def test_appends_go_on_from_the_last_row():
    first = chained(reads(2), after_seq=0, after_hash=GENESIS)
    more = chained(reads(2), after_seq=2, after_hash=first[-1]["row_hash"])

    assert checked(first + more).intact
    assert [r["seq"] for r in more] == [3, 4]


def test_a_changed_field_is_found_in_the_row_that_was_changed():
    for name, value in (("subject", "someone-else"), ("case_id", "case-99"), ("read_at", START),
                        ("roles", "admin"), ("audit_id", "audit-1")):
        rows = chained(reads(4), after_seq=0, after_hash=GENESIS)
        rows[2] = {**rows[2], name: value}

        verdict = checked(rows)

        assert not verdict.intact, name
        assert verdict.problems == ["row 3 was changed after it was written: its contents do not match its hash"], name


def test_a_row_changed_and_its_hash_recomputed_breaks_the_link_to_the_next_row():
    rows = chained(reads(4), after_seq=0, after_hash=GENESIS)
    forged = {**rows[1], "subject": "someone-else"}
    forged["row_hash"] = row_hash(forged)
    rows[1] = forged

    assert checked(rows).problems == ["row 3 does not follow row 2: the hash it keeps of the row before is not that "
                                      "row's (a row before it was changed, removed or put in)"]


def test_a_removed_row_is_named():
    rows = chained(reads(5), after_seq=0, after_hash=GENESIS)

    assert checked(rows[:2] + rows[3:]).problems == ["row 4 comes after row 2: row 3 removed"]
    assert checked(rows[3:]).problems == ["row 4 comes after row 0: rows 1 to 3 removed"]


def test_rows_moved_out_of_order_are_found():
    rows = chained(reads(4), after_seq=0, after_hash=GENESIS)

    assert not checked([rows[0], rows[2], rows[1], rows[3]]).intact


def test_every_problem_is_counted_and_the_first_ones_listed():
    rows = [{**row, "subject": "x"} for row in chained(reads(MOST_PROBLEMS + 5), after_seq=0, after_hash=GENESIS)]

    verdict = checked(rows)

    assert verdict.problem_count == MOST_PROBLEMS + 5 and len(verdict.problems) == MOST_PROBLEMS
