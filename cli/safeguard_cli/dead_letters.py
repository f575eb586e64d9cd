"""``safeguard dead-letters list|redrive``: what the consumers set aside, and putting it back.

It speaks to the stack's broker (``NATS_URL``, else the running embedded default's, from its data
folder) in the bus namespace ``SAFEGUARD_BUS_NAMESPACE`` (empty by default), as the operator: with
``NATS_USER``/``NATS_PASSWORD`` when set, else the embedded default's ``admin`` from the data folder.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safeguard_shared.bus.dead_letters import DeadLetter

from .bus_users import stack_credentials


def broker_url(data_dir: Path, embedded_port: int) -> str:
    running = data_dir / "run" / "nats.url"
    return (os.environ.get("NATS_URL") or (running.read_text().strip() if running.exists() else None)
            or f"nats://127.0.0.1:{embedded_port}")


def _line(letter: DeadLetter) -> str:
    when = letter.dead_lettered_at.strftime("%d %b %Y %H:%M") if letter.dead_lettered_at else "—"
    return (f"{letter.sequence:>6}  {when:<17}  {letter.consumer:<14}  {letter.event_type or '(unreadable)':<40}  "
            f"{letter.attempts:>2} tries  {letter.reason}")


async def _run(args: argparse.Namespace, url: str) -> int:
    # Imported here, not with the module: `safeguard up` registers this command too, and the bus
    # plumbing (SQLAlchemy, nats-py) would stay in the supervisor's memory for nothing.
    import nats
    import nats.js.errors

    from safeguard_shared.bus.dead_letters import list_dead_letters, redrive
    from safeguard_shared.bus.names import DEAD_LETTERS, BusNames

    names = BusNames(os.environ.get("SAFEGUARD_BUS_NAMESPACE", ""))
    credentials = stack_credentials(Path(args.data_dir).resolve())
    async def quiet(_exc: Exception) -> None:
        return None  # the one failure that matters is reported below, in a sentence

    try:
        async with asyncio.timeout(5):
            nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False, error_cb=quiet,
                                    **credentials.connect_options())
    except Exception as exc:  # no broker: say so plainly rather than a traceback
        print(f"cannot reach the broker at {url}: {type(exc).__name__}. Is the stack running?", file=sys.stderr)
        return 2
    try:
        js = nc.jetstream()
        try:
            await js.stream_info(names.stream(DEAD_LETTERS))
        except nats.js.errors.NotFoundError:
            print(f"The broker at {url} has no dead-letter stream"
                  f"{' in namespace ' + names.namespace if names.namespace else ''}: no service has started there.",
                  file=sys.stderr)
            return 2
        if args.action == "list":
            letters = await list_dead_letters(js, names)
            if args.json:
                print(json.dumps([letter.summary() for letter in letters], indent=2))
            elif not letters:
                print("No dead letters: every event was handled.")
            else:
                print(f"{'seq':>6}  {'set aside':<17}  {'consumer':<14}  {'event':<40}  tries     reason")
                for letter in letters:
                    print(_line(letter))
                print(f"\n{len(letters)} dead letter(s). Mend the cause, then: safeguard dead-letters redrive "
                      "--sequence N | --consumer NAME | --all")
            return 0
        sequences = set(args.sequence or [])
        if not (sequences or args.consumer or args.all):
            print("say which dead letters to redrive: --sequence N (repeatable), --consumer NAME, or --all",
                  file=sys.stderr)
            return 2
        done = await redrive(js, names, sequences=sequences, consumer=args.consumer, everything=args.all)
        for letter in done:
            print(f"redriven {letter.sequence}: {letter.event_type or '(unreadable)'} back to {letter.consumer}")
        print(f"{len(done)} dead letter(s) put back on their way.")
        return 0
    finally:
        await nc.close()


def cmd_dead_letters(args: argparse.Namespace, embedded_port: int) -> int:
    url = broker_url(Path(args.data_dir).resolve(), embedded_port)
    return asyncio.run(_run(args, url))


def add_parser(sub: argparse._SubParsersAction, embedded_port: int) -> None:  # type: ignore[type-arg]
    dl = sub.add_parser("dead-letters", help="list or redrive the events the consumers set aside",
                        description="Lists the dead-letter stream (what failed, in which consumer, and why), or "
                                    "puts dead letters back on their way once the cause is mended. A consumer "
                                    "that had already handled a redriven event does nothing the second time.")
    dl.add_argument("action", choices=["list", "redrive"])
    dl.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                    help="the data folder of the stack (its broker's address is kept there)")
    dl.add_argument("--json", action="store_true", help="list as JSON")
    dl.add_argument("--sequence", type=int, action="append", help="redrive this dead letter (repeatable)")
    dl.add_argument("--consumer", help="redrive every dead letter of this consumer (e.g. scheduling)")
    dl.add_argument("--all", action="store_true", help="redrive every dead letter")
    dl.set_defaults(func=lambda args: cmd_dead_letters(args, embedded_port))
