"""Referral load under faults, and the audit of what came out (tests/chaos, bench/outage_drain.py).

``UpStack`` is the embedded default as an operator runs it (``safeguard up`` in a data folder of its
own, on free ports), with the faults an operator meets: kill -9 of a service, of the embedded NATS
server or of the supervisor itself (after which a new ``safeguard up`` takes the same folder back).
``ReferralLoad`` sends child referrals at a steady rate from a thread, each with its own
Idempotency-Key, sending each again until it is answered ``201``: a referral is *accepted* once it
has been, and every accepted case must then reach every service. ``audit`` says whether it did:
its deadlines, exactly one Panel notice, one ``.eml`` per notice and no Message-ID twice, reporting in
agreement with the stores, and no dead letters left.
"""
from __future__ import annotations

import email
import functools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from safeguard_cli.lifecycle import alive, end
from safeguard_cli.supervisor import SERVICES
from safeguard_shared.auth import LocalIssuer

from .apps import example_child_referral
from .ports import free_port
from .processes import own_environment, poll

# The services a referral's way goes through (audits and the workspace hold nothing of it).
ON_THE_WAY = ("referrals", "scheduling", "notifications", "reporting")
# Small back-off for the supervisor's restarts, so a run spends its time on faults, not waiting.
FAST_RESTARTS = {"SAFEGUARD_RESTART_FIRST_DELAY": "0.2", "SAFEGUARD_RESTART_MAX_DELAY": "1.6",
                 "SAFEGUARD_RESTART_RESET_AFTER": "300", "SAFEGUARD_HEALTH_INTERVAL": "2"}


# How far each store has got, cheap to read (store, SQL): referrals' outbox rows not yet published,
# notices not (yet) sent, Panel clocks met, Panel notices sent, reporting's cases and Panel notices.
# Every accepted case moves each of them by one (the first two: to 0); ``audit`` then checks case by case.
PROGRESS = {
    "unpublished": ("referrals", "SELECT count(*) FROM outbox WHERE published_at IS NULL"),
    "notices not sent": ("notifications", "SELECT count(*) FROM notifications WHERE status <> 'sent'"),
    "panel clocks met": ("scheduling", "SELECT count(*) FROM deadlines WHERE key = 'rr.panel_notified' "
                         "AND status = 'met'"),
    "panel notices sent": ("notifications", "SELECT count(*) FROM notifications WHERE "
                           "recipient_kind = 'national_panel' AND status = 'sent'"),
    "reporting cases": ("reporting", "SELECT count(*) FROM rm_cases"),
    "reporting panel notices": ("reporting", "SELECT count(*) FROM rm_notifications "
                                "WHERE recipient_kind = 'national_panel'"),
}


def all_caught_up(progress: dict[str, int], cases: int) -> bool:
    return all(value == (0 if what in ("unpublished", "notices not sent") else cases)
               for what, value in progress.items())


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


class UpStack:
    """``safeguard up`` in ``root/var``, on free ports, with the business date of the example referral."""

    def __init__(self, root: Path, extra_env: dict[str, str] | None = None, today: str = "2026-12-21"):
        self.root = Path(root)
        self.data_dir = self.root / "var"
        self.today = today
        self.ports = {name: free_port() for name in SERVICES}
        self.env = own_environment(FAST_RESTARTS, extra_env or {}, ports=self.ports)
        self.nats_port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.starts = 0

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def out_file(self) -> Path:
        return self.root / f"up-{self.starts}.out"

    def start(self, timeout: float = 120.0) -> float:
        """Starts the stack; returns how long it took to say it was up."""
        self.starts += 1
        began = time.monotonic()
        with open(self.out_file, "w") as out:  # the stack keeps its own handle
            self.proc = subprocess.Popen([_bin("safeguard"), "up", "--data-dir", str(self.data_dir), "--today",
                                          self.today, "--nats-port", str(self.nats_port)], env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT, text=True)
        proc = self.proc
        if not poll(lambda: "Press Ctrl-C to stop." in self.out_file.read_text() or proc.poll() is not None,
                    timeout, every=0.2) or proc.poll() is not None:
            raise AssertionError(f"safeguard up did not start:\n{self.out_file.read_text()[-4000:]}")
        return time.monotonic() - began

    def pids(self) -> dict[str, int]:
        run = self.data_dir / "run"
        found = {}
        for pid_file in run.glob("*.pid"):
            text = pid_file.read_text().strip()
            if text:
                found[pid_file.stem] = int(text)
        return found

    def kill(self, name: str) -> int:
        """kill -9 of one process the supervisor runs (a service, or ``nats``), once it runs (it may be
        still restarting from an earlier fault); its pid."""
        def running() -> int | None:
            pid = self.pids().get(name)
            return pid if pid and alive(pid) else None

        pid = poll(running, 120)
        if pid is None:
            raise AssertionError(f"{name} was not running again 120 s after the supervisor restarted it")
        os.kill(pid, signal.SIGKILL)
        return pid

    def progress(self) -> dict[str, int]:
        """How far each store has got (``PROGRESS``), read from the SQLite stores."""
        return {what: count(self.data_dir / f"{service}.sqlite3", sql) for what, (service, sql) in PROGRESS.items()}

    def drained(self, cases: int) -> bool:
        """Whether every store has got as far as ``cases`` accepted referrals take it; ``audit`` then
        checks case by case."""
        try:
            return all_caught_up(self.progress(), cases)
        except sqlite3.Error:  # a store being created or migrated by a restarted service
            return False

    def stored_cases(self) -> int:
        return count(self.data_dir / "referrals.sqlite3", "SELECT count(*) FROM cases")

    def kill_supervisor_and_start_again(self) -> float:
        """kill -9 of ``safeguard up``: its children go with it; a new one takes the folder back."""
        assert self.proc is not None
        children = {n: p for n, p in self.pids().items() if n != "supervisor"}
        self.proc.kill()
        self.proc.wait()
        poll(lambda: not any(alive(p) for p in children.values()), 30)
        return self.start()

    def token(self, agency: str, *roles: str) -> str:
        """A token from the stack's local issuer (its key in the data folder), as `safeguard token` makes."""
        return LocalIssuer(self.data_dir / "issuer").mint(agency=agency, roles=list(roles))

    def errors_logged(self, last: int = 12) -> list[str]:
        """The last errors in the services' logs (a failed test prints them: the stack is gone after)."""
        found = []
        for log in sorted((self.data_dir / "logs").glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()
            found += [f"{log.stem}: {line[:300]}" for line in lines
                      if '"level": "error"' in line or line.startswith(("Traceback", "ERROR"))][-last:]
        return found

    def dead_letters(self) -> list[dict[str, Any]]:
        listed = subprocess.run([_bin("safeguard"), "dead-letters", "list", "--json", "--data-dir", str(self.data_dir)],
                                capture_output=True, text=True, env=self.env, timeout=60)
        if listed.returncode != 0:
            raise RuntimeError(f"safeguard dead-letters list failed: {listed.stderr}")
        letters: list[dict[str, Any]] = json.loads(listed.stdout)
        return letters

    def stop(self) -> None:
        """SIGTERM, which stops the stack as Ctrl-C does; then whatever outlived it, from its pid files."""
        leftovers = list(self.pids().values()) if (self.data_dir / "run").exists() else []
        if self.proc is not None and self.proc.poll() is None:
            end([self.proc.pid], timeout=60)
            self.proc.wait()
        end(pid for pid in leftovers if alive(pid))


@dataclass
class Referral:
    key: str
    reference: str
    first_sent: float
    case_id: str | None = None
    accepted_at: float | None = None
    tries: int = 0


class ReferralLoad:
    """Child referrals at ``per_second`` from a thread; each sent again (same Idempotency-Key) until
    answered 201. ``stop`` ends new referrals; ``finish`` waits for the unanswered ones."""

    def __init__(self, referrals_url: str, token: str, per_second: float, label: str = "CHAOS"):
        self.url = f"{referrals_url}/v1/referrals/child"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.interval = 1.0 / per_second
        self.label = label
        self.referrals: list[Referral] = []
        self.refusals: list[str] = []  # answers other than 201 or a failure to answer: a bug, reported
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="referral-load", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> ReferralLoad:
        self._thread.start()
        return self

    def _new(self) -> Referral:
        n = len(self.referrals) + 1
        referral = Referral(key=str(uuid.uuid4()), reference=f"C-{self.label}-{n}-{uuid.uuid4().hex[:6]}",
                            first_sent=time.monotonic())
        with self._lock:
            self.referrals.append(referral)
        return referral

    def _send(self, client: httpx.Client, referral: Referral) -> None:
        referral.tries += 1
        body = example_child_referral(child={"reference": referral.reference})
        try:
            answer = client.post(self.url, json=body, headers={**self.headers, "Idempotency-Key": referral.key})
        except httpx.HTTPError:
            return  # referrals (or its broker) is down: sent again later with the same key
        if answer.status_code == 201:
            referral.case_id = answer.json()["case_id"]
            referral.accepted_at = time.monotonic()
        elif answer.status_code < 500:
            self.refusals.append(f"{answer.status_code}: {answer.text[:300]}")
            referral.accepted_at = time.monotonic()  # refused for good: not sent again

    def _run(self) -> None:
        next_new = time.monotonic()
        with httpx.Client(timeout=5.0) as client:
            while True:
                stopping = self._stop.is_set()
                if not stopping and time.monotonic() >= next_new:
                    next_new += self.interval
                    self._send(client, self._new())
                unanswered = self.unanswered()
                for referral in unanswered:
                    self._send(client, referral)
                if stopping and not self.unanswered():
                    break
                if unanswered or stopping:
                    time.sleep(0.2)
                else:
                    time.sleep(max(0.0, min(next_new - time.monotonic(), 0.2)))
        self._done.set()

    def unanswered(self) -> list[Referral]:
        with self._lock:
            return [r for r in self.referrals if r.accepted_at is None]

    def accepted(self) -> list[Referral]:
        with self._lock:
            return [r for r in self.referrals if r.case_id is not None]

    def stop(self) -> None:
        self._stop.set()

    def finish(self, timeout: float = 120.0) -> bool:
        """Stops new referrals and waits until every one sent is answered; False if some never were."""
        self.stop()
        return self._done.wait(timeout)


@dataclass
class Audit:
    """What came out for the accepted cases: empty lists and ``ok`` when nothing was lost or doubled."""

    cases: int
    lost: dict[str, list[str]] = field(default_factory=dict)  # case_id -> what it is missing
    duplicated: dict[str, list[str]] = field(default_factory=dict)  # case_id -> what it has twice
    problems: list[str] = field(default_factory=list)  # across cases: files, reporting, stores, dead letters
    notices: int = 0
    emls: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.problems)

    def describe(self) -> str:
        lines = [f"{self.cases} cases, {self.notices} notices, {self.emls} .eml files"]
        lines += [f"lost  {case}: {', '.join(what)}" for case, what in list(self.lost.items())[:10]]
        lines += [f"twice {case}: {', '.join(what)}" for case, what in list(self.duplicated.items())[:10]]
        lines += self.problems
        return "\n".join(lines)


def _message_ids(outbox: Path) -> list[str]:
    ids = []
    for eml in outbox.glob("*.eml"):
        # Only the headers: the Message-ID is all that is compared.
        message = email.message_from_bytes(eml.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
        ids.append(str(message["Message-ID"]).strip())
    return ids


def count(store: Path, sql: str) -> int:
    """One number from a SQLite store, read only."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30) as db:
        value: int = db.execute(sql).fetchone()[0]
        return value


class Audited(Protocol):
    """What ``audit`` reads of a stack: each service's URL, the data folder (the .eml outbox), the
    number of cases in the referrals store and the dead letters."""

    data_dir: Path

    def url(self, service: str) -> str: ...

    def stored_cases(self) -> int: ...

    def dead_letters(self) -> list[dict[str, Any]]: ...


def audit(stack: Audited, case_ids: list[str], reader: str) -> Audit:
    """Every accepted case checked against every store and read model of the stack."""
    result = Audit(cases=len(case_ids))
    headers = {"Authorization": f"Bearer {reader}"}
    sent_ids: list[str] = []
    with httpx.Client(timeout=10.0, headers=headers) as client:
        for case_id in case_ids:
            lost, twice = [], []
            try:
                deadlines = {d["key"]: d for d in client.get(f"{stack.url('scheduling')}/v1/deadlines",
                                                             params={"case_id": case_id}).raise_for_status().json()}
                notices = client.get(f"{stack.url('notifications')}/v1/notifications",
                                     params={"case_id": case_id}).raise_for_status().json()
            except httpx.HTTPStatusError as exc:  # who refused, and why: a stranger on the port says so too
                answer = exc.response
                result.lost[case_id] = [f"not readable: {answer.request.url.host}:{answer.request.url.port}"
                                        f"{answer.request.url.path} answered {answer.status_code} {answer.text[:160]}"]
                continue
            except httpx.HTTPError as exc:
                result.lost[case_id] = [f"not readable: {type(exc).__name__}: {exc}"]
                continue
            for key in ("rr.panel_notified", "rr.scoping_sent", "rr.meeting", "rr.complete"):
                if key not in deadlines:
                    lost.append(f"no {key} deadline")
            if deadlines.get("rr.panel_notified", {}).get("status") not in (None, "met"):
                lost.append(f"rr.panel_notified {deadlines['rr.panel_notified']['status']}")
            panel = [n for n in notices if n["recipient_kind"] == "national_panel"]
            if not panel:
                lost.append("no Panel notice")
            elif len(panel) > 1:
                twice.append(f"{len(panel)} Panel notices")
            lost += [f"Panel notice {n['status']}" for n in panel if n["status"] != "sent"]
            sent_ids += [n["message_id"] for n in notices if n["status"] == "sent"]
            if lost:
                result.lost[case_id] = lost
            if twice:
                result.duplicated[case_id] = twice
        summary = client.get(f"{stack.url('reporting')}/v1/reports/summary").raise_for_status().json()
    result.notices = len(sent_ids)
    on_disk = _message_ids(stack.data_dir / "outbox")
    result.emls = len(on_disk)
    doubled = [mid for mid, n in Counter(on_disk).items() if n > 1]
    if doubled:
        result.problems.append(f"{len(doubled)} Message-IDs in more than one .eml file, e.g. {doubled[0]}")
    missing = set(sent_ids) - set(on_disk)
    if missing:
        result.problems.append(f"{len(missing)} notices sent with no .eml file")
    if len(on_disk) != len(sent_ids):
        result.problems.append(f"{len(on_disk)} .eml files for {len(sent_ids)} notices sent")
    stored = stack.stored_cases()
    if stored != len(case_ids):
        result.problems.append(f"the referrals store holds {stored} cases, {len(case_ids)} were accepted")
    agreed = {"open cases": (summary["cases"]["open"], len(case_ids)),
              "Panel notices": (summary["notifications"]["by_recipient_kind"].get("national_panel", 0), len(case_ids)),
              "notices sent": (summary["notifications"]["sent"], len(sent_ids)),
              "rr.complete deadlines": (summary["deadlines"]["by_key"].get("rr.complete", 0), len(case_ids))}
    for what, (reported, known) in agreed.items():
        if reported != known:
            result.problems.append(f"reporting counts {reported} {what}; the stores {known}")
    letters = stack.dead_letters()
    if letters:
        result.problems.append(f"{len(letters)} dead letters: " + "; ".join(
            f"{d.get('consumer')} {d.get('event_type')}: {d.get('reason')}" for d in letters[:3]))
    return result


def settle(stack: Audited, case_ids: list[str], reader: str, timeout: float,
           drained: Callable[[], bool] | None = None) -> tuple[Audit, float]:
    """Waits until nothing is missing, or ``timeout``: first until ``drained`` says every store has
    caught up (when given: a cheap look every half second), then audits case by case, every second
    until the audit passes (twice at least, when the first does not). The last audit, and how long
    until the stores had caught up (until the audit passed, when it did not pass at once)."""
    began = time.monotonic()
    if drained:
        poll(drained, timeout, every=0.5)
    caught_up = time.monotonic() - began
    first = True
    while True:
        try:
            result = audit(stack, case_ids, reader)
        except (httpx.HTTPError, RuntimeError) as exc:  # a service still coming back
            result = Audit(cases=len(case_ids), problems=[f"audit failed: {exc}"])
        # At least two audits: messages that follow a case's own (a deadline's reminder, say) may come
        # while a slow first audit reads case after case, and the counts it compares at the end then differ.
        if result.ok or (time.monotonic() - began > timeout and not first):
            return result, caught_up if (first and drained) else time.monotonic() - began
        first = False
        time.sleep(1.0)


@dataclass(frozen=True)
class ChaosSettings:
    """The chaos tests' knobs, from the environment (tests/chaos/README.md)."""

    rounds: int
    seed: int
    per_second: float
    faults_per_round: int
    ack_wait_seconds: str
    settle_seconds: float
    report: str

    @classmethod
    def from_env(cls, faults_per_round: int) -> ChaosSettings:
        env = os.environ.get
        return cls(rounds=int(env("CHAOS_ROUNDS", "1")), seed=int(env("CHAOS_SEED", "14")),
                   per_second=float(env("CHAOS_REFERRALS_PER_SECOND", "2")),
                   faults_per_round=int(env("CHAOS_FAULTS_PER_ROUND", str(faults_per_round))),
                   # A consumer killed holding a message gets it again after the ack wait: short here, so
                   # a round's recovery is measured in seconds (production's default is 30 s).
                   ack_wait_seconds=env("CHAOS_ACK_WAIT_SECONDS", "5"),
                   settle_seconds=float(env("CHAOS_SETTLE_SECONDS", "120")), report=env("CHAOS_REPORT", ""))


def faults_of_round(rng: random.Random, number: int, kinds: tuple[str, ...], weights: tuple[int, ...],
                    count: int) -> list[str]:
    """The first round has one fault of each kind, in a seeded order; later ones draw by ``weights``."""
    if number == 1 and len(kinds) <= count:
        drawn = list(kinds) + rng.choices(kinds, weights=weights, k=count - len(kinds))
        rng.shuffle(drawn)
        return drawn
    return rng.choices(kinds, weights=weights, k=count)


class Stack(Audited, Protocol):
    def drained(self, cases: int) -> bool: ...


def chaos_round(stack: Stack, number: int, loads: list[ReferralLoad], faults: list[Callable[[], str]],
                rng: random.Random, accepted: list[str], reader: str, settle_seconds: float,
                say: Callable[[str], None]) -> tuple[dict[str, Any], Audit]:
    """One round: the faults 2 to 5 s apart under ``loads``, a little more load while the stack
    recovers, then every referral sent must be answered 201 and every case accepted so far (``accepted``,
    extended here) must settle. The round's row of the table, and the audit; ``say`` narrates."""
    done = []
    for fault in faults:
        time.sleep(rng.uniform(2.0, 5.0))
        began = time.monotonic()
        done.append(fault())
        say(f"round {number}: {done[-1]} ({time.monotonic() - began:.1f}s), "
            f"{sum(len(load.accepted()) for load in loads)} accepted so far")
    last_fault = time.monotonic()
    time.sleep(rng.uniform(1.0, 3.0))  # referrals keep coming while the stack recovers
    for load in loads:
        answered = load.finish(timeout=settle_seconds)
        assert not load.refusals, f"referrals refused: {load.refusals[:3]}"
        assert answered, f"{len(load.unanswered())} referrals never answered 201 in round {number}"
    new = [r.case_id for load in loads for r in load.accepted() if r.case_id]
    accepted += new
    answered_after = time.monotonic() - last_fault
    # Recovery: until every store has caught up with every accepted case (cheap counts); then the audit
    # checks case by case, until it passes (its own time grows with the cases and the machine's load).
    began = time.monotonic()
    poll(functools.partial(stack.drained, len(accepted)), settle_seconds, every=0.5)
    caught_up = time.monotonic() - began
    result, took = settle(stack, accepted, reader, settle_seconds)
    row = {"round": number, "faults": done, "accepted": len(new), "lost": len(result.lost),
           "duplicated": len(result.duplicated), "recovery": answered_after + caught_up,
           "audited": answered_after + caught_up + took, "answered_after": answered_after}
    say(f"round {number}: {row}")
    return row, result


def rounds_table(rows: list[dict[str, Any]], faults: str = "faults (kill -9)") -> str:
    lines = [f"| round | {faults} | referrals accepted | lost | duplicated | recovery (s) | audit passed (s) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['round']} | {', '.join(r['faults'])} | {r['accepted']} | {r['lost']} | {r['duplicated']} | "
              f"{r['recovery']:.1f} | {r['audited']:.1f} |" for r in rows]
    total = {k: sum(r[k] for r in rows) for k in ("accepted", "lost", "duplicated")}
    worst = {k: max((r[k] for r in rows), default=0.0) for k in ("recovery", "audited")}
    lines.append(f"| all {len(rows)} | {sum(len(r['faults']) for r in rows)} faults | {total['accepted']} | "
                 f"{total['lost']} | {total['duplicated']} | worst {worst['recovery']:.1f} | "
                 f"worst {worst['audited']:.1f} |")
    return "\n".join(lines)


def report(settings: ChaosSettings, heading: str, table: str) -> str:
    """The table of rounds under its heading, written to ``CHAOS_REPORT`` too when that names a file."""
    text = f"{heading}\n\n{table}\n"
    if settings.report:
        Path(settings.report).write_text(text)
    return text
