"""``kite-central``: run the reference server, seed a demo facility, approve devices, review.

Commands that change data work on the database directly (``--database-url``,
default ``KITE_CENTRAL_DATABASE_URL`` or ``sqlite:///kite-central.db``), through
the same functions as the HTTP endpoints, so a running server sees their
changes (its long-polls within ``poll_recheck_s``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from sync.server.db import Database
from sync.server.schemas import DeviceView
from sync.server.settings import CentralSettings


def _settings(args: argparse.Namespace) -> CentralSettings:
    overrides: dict[str, object] = {"database_url": args.database_url} if args.database_url else {}
    for name in ("certfile", "keyfile"):
        if getattr(args, name, None):
            overrides[name] = getattr(args, name)
    try:
        return CentralSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        print(f"kite-central: settings refused: {problems}", file=sys.stderr)
        raise SystemExit(2) from None


def _database(args: argparse.Namespace) -> Database:
    from sync.server import pins

    settings = _settings(args)
    pins.configure(settings.argon2_time_cost, settings.argon2_memory_kib)
    db = Database(settings.database_url)
    db.create_schema()
    return db


def cmd_serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from sync.server.app import create_app
    from sync.server.connections import ConnectionLimits, GuardedServer, guarded_protocol

    settings = _settings(args)
    limits = ConnectionLimits(
        idle_s=settings.idle_timeout_s,
        header_s=settings.header_timeout_s,
        body_s=settings.body_timeout_s,
        max_connections=settings.max_connections,
    )
    config = uvicorn.Config(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=2,
        http=guarded_protocol(limits),
        limit_concurrency=limits.max_connections,
        ssl_certfile=settings.certfile,
        ssl_keyfile=settings.keyfile,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        date_header=False,  # the app dates every answer by the server's clock (time_window)
    )
    server = GuardedServer(config, limits)
    if args.fd is None:
        server.run()
        return 0
    # uvicorn's own --fd takes every inherited socket for a Unix one, so asyncio never set
    # TCP_NODELAY on its connections and each answer after the first on a keep-alive
    # connection waited ~40 ms for a delayed ACK. A socket made from the descriptor knows
    # its family.
    inherited = socket.socket(fileno=args.fd)
    server.run(sockets=[inherited])
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from sync.server.seed import UNITS, seed_demo

    if bool(args.device_id) != bool(args.enroll_code):
        print("--device-id and --enroll-code go together", file=sys.stderr)
        return 2
    units = tuple(args.units.split(",")) if args.units else UNITS
    report = seed_demo(
        _database(args),
        args.device_id,
        args.enroll_code,
        args.auto_approve,
        units,
        always_open=args.always_open,
        collection_secret=args.collection_secret,
    )
    print("\n".join(report.lines()))
    return 0


def cmd_add_facility(args: argparse.Namespace) -> int:
    from sync.server.auth import new_token
    from sync.server.seed import seed_facility

    token = new_token("kst")
    try:
        seed_facility(_database(args), args.facility_id, args.name, token)
    except ValueError as exc:
        print(f"cannot add {args.facility_id}: {exc}", file=sys.stderr)
        return 1
    print(f"facility {args.facility_id} created")
    print(f"staff token: {token}   (shown once)")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from sync.server import enrollment
    from sync.server.errors import ApiError

    limits = enrollment.EnrollLimits.of(_settings(args))
    db = _database(args)
    try:
        with db.write() as session:
            device = enrollment.approve(
                session, args.device_id, args.units.split(","), args.code, limits
            )
            print(f"approved {device.id} for {', '.join(device.housing_units['ids'])}")
    except ApiError as exc:
        print(f"cannot approve {args.device_id}: {exc.message} {exc.params or ''}", file=sys.stderr)
        return 1
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from sync.server.device_versions import versions
    from sync.server.device_views import device_views

    with _database(args).read() as session:
        views = device_views(session, args.facility)
        running = versions(session, args.facility)
    if args.stale:
        views = [v for v in views if v.stale]
    for view in views:
        line = f"{view.device_id}  {view.state:8}  {','.join(view.housing_units) or '-'}"
        if view.device_id in running:
            reported = running[view.device_id]
            line += f"  kite {reported.version} (since {reported.since.isoformat()})"
        if view.credential_issued_at:
            line += f"  credential issued {view.credential_issued_at.isoformat()}"
        if view.suspended_at:
            line += (
                f"  SUSPENDED since {view.suspended_at.isoformat()}: a credential "
                f"{view.reused_credential_was} out at {view.reused_credential_retired_at} "
                "was used again (suspected theft; approve again by its code to lift)"
            )
        if view.pin_guessing_since:
            line += f"  PIN guessing since {view.pin_guessing_since.isoformat()}"
        for refusal in view.refusals:
            line += (
                f"  REFUSED {refusal.reason} x{refusal.count} (last {refusal.last_at.isoformat()})"
            )
        line += _health_text(view)
        print(line)
    print(f"{len(views)} devices in {args.facility}")
    return 0


def _health_text(view: DeviceView) -> str:
    health, text = view.health, ""
    if view.stale:
        since = view.health_reported_at.isoformat() if view.health_reported_at else "never"
        text += f"  STALE (last report: {since})"
    if health is not None:
        last = health.last_sync_at.isoformat() if health.last_sync_at else "never"
        text += (
            f"  health: {health.sync_state}, queue {health.queue_waiting} waiting"
            f" {health.queue_failed} refused, last sync {last},"
            f" disk {health.disk_free_bytes // 2**20} MiB free,"
            f" {health.errors_since_start} errors since {health.started_at.isoformat()}"
        )
    return text


def cmd_review(args: argparse.Namespace) -> int:
    from sync.server import review
    from sync.server.errors import ApiError

    db = _database(args)
    if args.approve_all:
        with db.read() as session:
            ids = [m.id for m in review.pending(session, limit=10_000)]
        for message_id in ids:
            with db.write() as session:
                review.decide(session, message_id, True)
        print(f"approved {len(ids)} messages")
        return 0
    if args.approve or args.reject:
        try:
            with db.write() as session:
                if args.approve:
                    message = review.decide(session, args.approve, True)
                else:
                    if not args.reason:
                        print("--reject needs --reason", file=sys.stderr)
                        return 2
                    message = review.decide(session, args.reject, False, args.reason)
                print(f"{message.id}: {message.status}")
        except ApiError as exc:
            print(f"cannot decide: {exc.message} {exc.params or ''}", file=sys.stderr)
            return 1
        return 0
    with db.read() as session:
        queue = review.pending(session, limit=1000)
        for m in queue:
            print(f"{m.id}  {m.direction:8}  {m.resident_id}  {m.contact_id}  {m.body[:60]!r}")
        print(f"{len(queue)} waiting for review")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from sync.server.app import create_app

    document = create_app(CentralSettings(database_url="sqlite://")).openapi()
    print(json.dumps(document, indent=2, sort_keys=True))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="kite-central", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--database-url", help="SQLAlchemy URL (sqlite:///file.db, postgresql+psycopg://...)"
        )
        return p

    serve = command("serve", "run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8470)
    serve.add_argument("--fd", type=int, help="serve on this inherited, bound socket (tests)")
    serve.add_argument(
        "--certfile", help="serve TLS with this PEM certificate chain (KITE_CENTRAL_CERTFILE)"
    )
    serve.add_argument("--keyfile", help="the certificate's PEM private key (KITE_CENTRAL_KEYFILE)")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(func=cmd_serve)

    seed = command("seed-demo", "create the demo facility and print what was made")
    seed.add_argument("--device-id", help="also pre-create an enrollment for this device")
    seed.add_argument("--enroll-code", help="the one-time code that device will present")
    seed.add_argument(
        "--collection-secret", help="the collection secret that device holds (random if not given)"
    )
    seed.add_argument("--auto-approve", action="store_true", help="approve that device at once")
    seed.add_argument("--units", help="housing units for the device (comma-separated; default all)")
    seed.add_argument(
        "--always-open",
        action="store_true",
        help="no hours of service (open around the clock), for demonstrations",
    )
    seed.set_defaults(func=cmd_seed)

    facility = command("add-facility", "create an empty facility and print its staff token")
    facility.add_argument("facility_id")
    facility.add_argument("--name", required=True, help="the facility's name")
    facility.set_defaults(func=cmd_add_facility)

    approve = command(
        "approve-device", "approve a pending device for housing units, by the code it shows"
    )
    approve.add_argument("device_id")
    approve.add_argument(
        "--code", required=True, help="the one-time code on the terminal's screen (or QR code)"
    )
    approve.add_argument("--units", required=True, help="comma-separated housing unit ids")
    approve.set_defaults(func=cmd_approve)

    devices = command("devices", "list a facility's devices, their credentials and suspensions")
    devices.add_argument("--facility", default="demo", help="facility ID (default: demo)")
    devices.add_argument(
        "--stale", action="store_true", help="only approved devices that stopped reporting"
    )
    devices.set_defaults(func=cmd_devices)

    rev = command("review", "list the review queue, or approve/reject messages")
    group = rev.add_mutually_exclusive_group()
    group.add_argument("--approve", metavar="MESSAGE_ID")
    group.add_argument("--reject", metavar="MESSAGE_ID")
    group.add_argument("--approve-all", action="store_true")
    rev.add_argument("--reason", help="why a message is rejected (required with --reject)")
    rev.set_defaults(func=cmd_review)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.set_defaults(func=cmd_openapi)

    from sync.conformance.run import add_arguments
    from sync.conformance.run import command as conformance_command

    conformance = sub.add_parser(
        "conformance",
        help="run the protocol's scenarios and schemathesis against a server (docs/conformance.md)",
        description="Run the conformance kit against the server at URL and print a pass/fail "
        "table; exit 1 if anything failed. Use a test server: the kit changes data.",
    )
    add_arguments(conformance)
    conformance.set_defaults(func=conformance_command)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
