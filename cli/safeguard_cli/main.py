"""``safeguard up`` starts the embedded default; ``safeguard token`` mints a local bearer token;
``safeguard replay`` rebuilds the reporting read models from the streams."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import FrameType

from safeguard_shared.auth import AGENCIES, ROLES, LocalIssuer

from . import dead_letters
from .nats_server import EmbeddedNats
from .supervisor import SERVICES, ServiceProcess, Supervisor, service_env, workspace_env

EMBEDDED_NATS_PORT = 4250


def _iso_date(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--today must be a date as YYYY-MM-DD, not '{text}'") from None
    return text


def cmd_up(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    issuer = LocalIssuer(data_dir / "issuer")
    issuer.ensure_keys()
    nats = None
    nats_url = os.environ.get("NATS_URL")
    if not nats_url:
        nats = EmbeddedNats(data_dir / "nats", port=args.nats_port)
        nats.start()
        nats_url = nats.url
    # Other commands (safeguard replay) find this stack's broker here.
    (data_dir / "run").mkdir(parents=True, exist_ok=True)
    (data_dir / "run" / "nats.url").write_text(nats_url)
    processes = []
    ports = {name: int(os.environ.get(f"{name.upper()}_PORT", default)) for name, default in SERVICES.items()}
    for name, port in ports.items():
        env = service_env(name, os.environ, data_dir=data_dir, nats_url=nats_url, today=args.today,
                          public_key=issuer.public_key_file)
        env[f"{name.upper()}_PORT"] = str(port)
        if name == "workspace":
            env = workspace_env(env, ports)
        processes.append(ServiceProcess(name, port, data_dir / "logs" / f"{name}.log", env))
    supervisor = Supervisor(processes)
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        supervisor.start_all()
    except RuntimeError as exc:
        print(f"safeguard up failed: {exc}", file=sys.stderr)
        supervisor.stop_all()
        if nats:
            nats.stop()
        return 1
    print("Safeguarding learning reviews — embedded default is running", flush=True)
    print(f"  data folder    {data_dir}")
    print(f"  NATS           {nats_url}{' (embedded, JetStream, sync_interval: always)' if nats else ''}")
    print(f"  business date  {args.today or 'today (Europe/London)'}")
    for proc in processes:
        print(f"  {proc.name:<14} {proc.url}   (health {proc.url}/health, log {proc.log_file})")
    print(f"  dashboard      {processes[-1].url}/")
    print(f"  sign in here   {processes[0].url}/   (the workspace: the pages people use)")
    print(f"  outbox (.eml)  {data_dir / 'outbox'}")
    print("Make a token:   safeguard token --data-dir "
          f"{data_dir} --agency police --role referrer", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    code = 0
    while not stopping:
        if not supervisor.watch_once():
            code = 1
            break
        time.sleep(0.5)
    print("Stopping…", flush=True)
    supervisor.stop_all()
    if nats:
        nats.stop()
    print("Stopped.", flush=True)
    return code


def cmd_token(args: argparse.Namespace) -> int:
    issuer = LocalIssuer(Path(args.data_dir).resolve() / "issuer")
    print(issuer.mint(agency=args.agency, roles=args.role, subject=args.subject, ttl_seconds=args.hours * 3600))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Runs the reporting service's own replay as a process of its own (the CLI imports no service)."""
    data_dir = Path(args.data_dir).resolve()
    running = data_dir / "run" / "nats.url"
    nats_url = (os.environ.get("NATS_URL") or (running.read_text().strip() if running.exists() else None)
                or f"nats://127.0.0.1:{EMBEDDED_NATS_PORT}")
    env = service_env("reporting", os.environ, data_dir=data_dir, nats_url=nats_url, today=None, public_key=None)
    command = [sys.executable, "-m", "reporting.replay"] + (["--quiet"] if args.quiet else [])
    print(f"Rebuilding the reporting read models from the streams at {nats_url} (data folder {data_dir})",
          file=sys.stderr, flush=True)
    try:
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="safeguard", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start NATS (embedded), the five services and the workspace")
    up.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                    help="where stores, the broker's data, logs and the .eml outbox live (default ./var)")
    up.add_argument("--today", type=_iso_date, default=os.environ.get("SAFEGUARD_TODAY"),
                    help="fix the business date (YYYY-MM-DD) for demos, training and acceptance tests")
    up.add_argument("--nats-port", type=int, default=EMBEDDED_NATS_PORT,
                    help=f"port of the embedded NATS server (default {EMBEDDED_NATS_PORT}); "
                         "the services' ports are set with WORKSPACE_PORT, REFERRALS_PORT … REPORTING_PORT")
    up.set_defaults(func=cmd_up)
    tok = sub.add_parser("token", help="print a bearer token from the local issuer")
    tok.add_argument("--agency", required=True, choices=sorted(AGENCIES))
    tok.add_argument("--role", required=True, action="append", choices=sorted(ROLES),
                     help="repeat for several roles")
    tok.add_argument("--subject", default=None, help="who the token is for (default: agency and role)")
    tok.add_argument("--hours", type=int, default=8, help="lifetime in hours (default 8)")
    tok.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                     help="the data folder of the stack the token is for (its issuer key lives there)")
    tok.set_defaults(func=cmd_token)
    rep = sub.add_parser("replay", help="rebuild the reporting read models from every stream, with progress",
                         description="Empties the reporting read models and projects every event in the streams "
                                     "into them again, in one transaction. Uses NATS_URL and REPORTING_DATABASE_URL "
                                     "when set, else the embedded default's broker and the data folder's store.")
    rep.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                     help="the data folder of the stack whose read models to rebuild (default ./var)")
    rep.add_argument("--quiet", action="store_true", help="no progress display")
    rep.set_defaults(func=cmd_replay)
    dead_letters.add_parser(sub, EMBEDDED_NATS_PORT)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
