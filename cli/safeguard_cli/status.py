"""``safeguard status``: the stack's state, as its supervisor last wrote it, in plain words."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .lifecycle import alive, cmdline, is_supervisor


def _when(iso: str | None, now: datetime) -> str:
    if not iso:
        return "?"
    at = datetime.fromisoformat(iso)
    seconds = (at - now).total_seconds()
    local = at.astimezone().strftime("%H:%M:%S")
    if seconds >= 0:
        return f"in {seconds:.0f} s (at {local})"
    return f"{-seconds:.0f} s ago (at {local})"


def _supervisor_running(pid: int | None) -> bool:
    if not pid or not alive(pid):
        return False
    args = cmdline(pid)
    return args is None or is_supervisor(args)


def render(data_dir: Path, now: datetime | None = None) -> tuple[str, int]:
    """The report and the exit code: 0 when the supervisor runs and everything is up, else 1."""
    now = now or datetime.now(UTC)
    state_file = data_dir / "run" / "stack.json"
    try:
        state: dict[str, Any] = json.loads(state_file.read_text())
    except FileNotFoundError:
        return f"No stack has run in {data_dir} (no {state_file}); start one with `safeguard up`.", 1
    except (OSError, ValueError) as exc:
        return f"Cannot read {state_file}: {exc}", 1
    lines = []
    running = _supervisor_running(state.get("supervisor_pid"))
    components: dict[str, dict[str, Any]] = state.get("components", {})
    if state.get("state") == "stopped":
        lines.append(f"The stack in {data_dir} was stopped {_when(state.get('updated_at'), now)}: nothing runs.")
        return "\n".join(lines), 1
    if not running:
        lines.append(f"The supervisor of the stack in {data_dir} (pid {state.get('supervisor_pid')}) is not running: "
                     "nothing is supervised, and its processes died with it. Start it again with `safeguard up`.")
        lines.append(f"What it last reported, {_when(state.get('updated_at'), now)}:")
    else:
        lines.append(f"Stack in {data_dir}: supervisor pid {state.get('supervisor_pid')}, "
                     f"started {_when(state.get('started_at'), now)}.")
    down = 0
    for name, c in components.items():
        status = c.get("status", "?")
        if status == "up" and c.get("healthy") is False:
            status = "unhealthy"
        if status != "up":
            down += 1
        words = {"up": "up", "unhealthy": "up, health failing", "starting": "starting",
                 "restarting": "DOWN, restarting", "stopped": "stopped", "stopping": "stopping"}.get(status, status)
        if status == "starting" and c.get("failures_in_a_row"):
            words = "DOWN, starting again"
        detail = []
        if status in ("up", "unhealthy"):
            detail.append(f"pid {c.get('pid')}")
            if c.get("up_since"):
                detail.append(f"up since {datetime.fromisoformat(c['up_since']).astimezone():%H:%M:%S}")
        if status == "restarting" and c.get("next_attempt"):
            due = _when(c["next_attempt"], now)
            detail.append(f"next attempt {due}" if due.startswith("in ") else "next attempt due now")
        if c.get("restarts"):
            detail.append(f"restarted {c['restarts']} time{'s' if c['restarts'] != 1 else ''}")
        last = c.get("last_exit")
        if last:
            detail.append(f"last stopped {_when(last.get('at'), now)} ({last.get('description')})")
        if status != "up":
            detail.append(f"log {c.get('log')}")
        lines.append(f"  {name:<14} {words:<18} {c.get('url', '')}" + (f"   {'; '.join(detail)}" if detail else ""))
    if not running:
        return "\n".join(lines), 1
    if down:
        lines.append(f"{down} of {len(components)} not up; the supervisor restarts whatever stops, "
                     "for as long as it runs.")
        return "\n".join(lines), 1
    lines.append(f"All {len(components)} up.")
    return "\n".join(lines), 0
