"""``safeguard up`` starts the embedded default and keeps it running; ``safeguard status`` says how it
is; ``safeguard token`` mints a local bearer token; ``safeguard replay`` rebuilds the reporting read
models from the streams; ``safeguard access-log verify`` checks the access logs' hash chains."""
from __future__ import annotations

import argparse
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import FrameType

from safeguard_shared.bus.access import authorization_block
from safeguard_shared.bus.names import BusNames
from safeguard_shared.partnership import AGENCIES, ROLES

from . import access_log, dead_letters, status
from .bus_users import credentials_env, credentials_file, ensure_passwords, stack_credentials
from .forkserver import ForkServer, become_subreaper
from .lifecycle import AnotherSupervisor, describe_port_holder, end_previous_stack
from .nats_server import EmbeddedNats, find_binary, port_open
from .supervisor import (
    SERVICES,
    NatsProcess,
    ServiceProcess,
    Supervisor,
    migrate_stores,
    notifications_env,
    service_env,
    workspace_env,
)

EMBEDDED_NATS_PORT = 4250


def _iso_date(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--today must be a date as YYYY-MM-DD, not '{text}'") from None
    return text


def prepare_data_folder(data_dir: Path) -> None:
    """The data folder holds children's and adults' records: from here on this process and its
    children create files 0600 and folders 0700 (umask 0o077), the folder itself is 0700 and what
    an earlier run left readable by others is taken back to its owner."""
    os.umask(0o077)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for path in data_dir.rglob("*"):
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o700)
    (data_dir / "run").mkdir(mode=0o700, exist_ok=True)


def cmd_up(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    prepare_data_folder(data_dir)
    run_dir = data_dir / "run"
    nats_url = os.environ.get("NATS_URL")
    # The embedded broker admits only its users (one per service, and the operator), with passwords
    # made once into the data folder; a broker of one's own (NATS_URL) takes NATS_USER/NATS_PASSWORD.
    passwords = None if nats_url else ensure_passwords(data_dir)
    names = BusNames(os.environ.get("SAFEGUARD_BUS_NAMESPACE", ""))
    server = None if passwords is None else EmbeddedNats(
        data_dir / "nats", port=args.nats_port, authorization=authorization_block(passwords, names))
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    # Ctrl-C, a service manager's SIGTERM and a closed terminal (SIGHUP) all stop the stack cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    # A previous stack of this data folder that outlived its supervisor is ended, not fought with.
    try:
        end_previous_stack(run_dir, SERVICES, (data_dir / "nats" / "nats.conf").resolve(),
                           lambda text: print(text, flush=True))
    except AnotherSupervisor as exc:
        print(f"safeguard up: {exc}", file=sys.stderr)
        return 1
    ports = {name: int(os.environ.get(f"{name.upper()}_PORT", default)) for name, default in SERVICES.items()}
    if server:
        ports = {"embedded NATS": server.port, **ports}
    if server:
        try:
            find_binary()
        except FileNotFoundError as exc:
            print(f"safeguard up cannot start: {exc}", file=sys.stderr)
            return 1
    held = [describe_port_holder(port, name) for name, port in ports.items() if port_open("127.0.0.1", port)]
    if held:
        print("safeguard up cannot start: " + "; ".join(held) + ".\nStop that process, or move the broker with "
              "--nats-port and the services with REFERRALS_PORT … (see safeguard up --help).", file=sys.stderr)
        return 1
    if stopping:
        return 0
    (run_dir / "supervisor.pid").write_text(str(os.getpid()))
    public_key = _ensure_issuer_keys(data_dir / "issuer")
    nats = NatsProcess(server, run_dir) if server else None
    if nats:
        nats_url = nats.url
    assert nats_url is not None
    # Other commands (safeguard replay) find this stack's broker here.
    (run_dir / "nats.url").write_text(nats_url)
    # The services forked from one process that loaded their libraries once (forkserver.py), unless
    # SAFEGUARD_FORKSERVER=off or this system cannot make the supervisor their parent.
    forks = None
    if os.environ.get("SAFEGUARD_FORKSERVER", "on").lower() not in ("off", "0", "no") and become_subreaper():
        forks = ForkServer(data_dir / "logs" / "forkserver.log", dict(os.environ), run_dir / "forkserver.pid")
    processes = []
    for name, port in ports.items():
        if name not in SERVICES:
            continue
        env = service_env(name, os.environ, data_dir=data_dir, nats_url=nats_url, today=args.today,
                          public_key=public_key)
        env[f"{name.upper()}_PORT"] = str(port)
        if name == "notifications":
            env = notifications_env(env, ports)
        if name == "workspace":
            env = workspace_env(env, ports)
        elif passwords is not None:
            env.update(credentials_env(name, passwords))
        if name == "notifications":
            env = notifications_env(env, ports)
        processes.append(ServiceProcess(name, port, data_dir / "logs" / f"{name}.log", env, forks=forks))
    supervisor = Supervisor(processes, nats=nats, state_file=run_dir / "stack.json")
    try:
        migrate_stores(processes, supervisor.say)
        supervisor.start_all(should_stop=lambda: stopping)
        if not stopping:
            _banner(supervisor, data_dir, nats_url, embedded=nats is not None, today=args.today)
        while not stopping:
            try:
                supervisor.step()
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, the stack stays supervised
                supervisor.say(f"!! the supervisor met an error and carries on: {exc!r}")
                time.sleep(1)
            time.sleep(0.25)
        supervisor.say("Stopping…")
    finally:
        supervisor.stop_all()
        if forks is not None:
            forks.stop()
        (run_dir / "supervisor.pid").unlink(missing_ok=True)
    supervisor.say("Stopped.")
    return 0


def _banner(supervisor: Supervisor, data_dir: Path, nats_url: str, *, embedded: bool, today: str | None) -> None:
    say = supervisor.say
    say("Safeguarding learning reviews — embedded default is running")
    say(f"  data folder    {data_dir}")
    say(f"  NATS           {nats_url}{' (embedded, JetStream, sync_interval: always)' if embedded else ''}")
    if embedded:
        say(f"  bus users      {credentials_file(data_dir)}   (one per service and admin; no connection without)")
    say(f"  business date  {today or 'today (Europe/London)'}")
    for proc in supervisor.processes:
        say(f"  {proc.name:<14} {proc.url}   (health {proc.url}/health, log {proc.log_file})")
    say(f"  dashboard      {supervisor.processes[-1].url}/")
    say(f"  sign in here   {supervisor.processes[0].url}/   (the workspace: the pages people use)")
    say(f"  outbox (.eml)  {data_dir / 'outbox'}")
    not_up = [w for w in supervisor.watches if w.status != "up"]
    for watch in not_up:
        say(f"  !! {watch.child.name} is not up yet ({watch.status}); it is restarted until it is")
    say(f"State of the stack: safeguard status --data-dir {data_dir}")
    say(f"Make a token:   safeguard token --data-dir {data_dir} --agency police --role referrer")
    say("Press Ctrl-C to stop.")


def _ensure_issuer_keys(directory: Path) -> Path:
    """The local issuer's key pair, made in a short-lived process of its own: the supervisor then never
    holds the token machinery (FastAPI, PyJWT, cryptography) in its memory (bench/idle_memory.py).
    Returns the public key's file, which the services verify tokens with."""
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from safeguard_shared.auth import LocalIssuer; LocalIssuer(Path(sys.argv[1])).ensure_keys()",
                    str(directory)], check=True)
    return directory / "public.pem"


def _token_hours(text: str) -> int:
    from safeguard_shared.auth import MAX_TOKEN_SECONDS

    try:
        hours = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of hours") from None
    if not 1 <= hours <= MAX_TOKEN_SECONDS // 3600:
        raise argparse.ArgumentTypeError(f"a token lives at most {MAX_TOKEN_SECONDS // 3600} hours "
                                         f"(and at least 1), not {hours}")
    return hours


def cmd_status(args: argparse.Namespace) -> int:
    text, code = status.render(Path(args.data_dir).resolve())
    print(text)
    return code


def cmd_token(args: argparse.Namespace) -> int:
    from safeguard_shared.auth import LocalIssuer

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
    credentials = stack_credentials(data_dir, "reporting")
    if credentials.user:
        env.update(NATS_USER=credentials.user, NATS_PASSWORD=credentials.password or "")
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
    up = sub.add_parser("up", help="start NATS (embedded), the five services and the workspace, and keep them running",
                        description="Starts the embedded NATS server (unless NATS_URL is set; it admits only "
                                    "one user per service and admin, their passwords kept in "
                                    "DATA_DIR/nats/credentials.json) and the services, and "
                                    "supervises them: whatever dies is reported and restarted, after 1 s doubling to "
                                    "at most 60 s (SAFEGUARD_RESTART_FIRST_DELAY, SAFEGUARD_RESTART_MAX_DELAY, "
                                    "SAFEGUARD_RESTART_RESET_AFTER). Ctrl-C, SIGTERM or SIGHUP stops everything; "
                                    "`safeguard status` says how the stack is.")
    up.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                    help="where stores, the broker's data, logs and the .eml outbox live (default ./var)")
    up.add_argument("--today", type=_iso_date, default=os.environ.get("SAFEGUARD_TODAY"),
                    help="fix the business date (YYYY-MM-DD) for demos, training and acceptance tests")
    up.add_argument("--nats-port", type=int, default=EMBEDDED_NATS_PORT,
                    help=f"port of the embedded NATS server (default {EMBEDDED_NATS_PORT}); "
                         "the services' ports are set with REFERRALS_PORT … REPORTING_PORT")
    up.set_defaults(func=cmd_up)
    st = sub.add_parser("status", help="the state of the stack `safeguard up` runs: what is up, what is restarting",
                        description="Prints what the supervisor of the stack last recorded in DIR/run/stack.json. "
                                    "Exits 0 when every process is up, 1 when something is down or nothing runs.")
    st.add_argument("--data-dir", default=os.environ.get("SAFEGUARD_DATA_DIR", "var"),
                    help="the data folder of the stack (default ./var)")
    st.set_defaults(func=cmd_status)
    tok = sub.add_parser("token", help="print a bearer token from the local issuer")
    tok.add_argument("--agency", required=True, choices=sorted(AGENCIES))
    tok.add_argument("--role", required=True, action="append", choices=sorted(ROLES),
                     help="repeat for several roles")
    tok.add_argument("--subject", default=None, help="who the token is for (default: agency and role)")
    tok.add_argument("--hours", type=_token_hours, default=8, help="lifetime in hours (default 8, at most 12)")
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
    access_log.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
