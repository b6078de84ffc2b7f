"""``kite-admin``: the terminal's command line for facility IT.

Commands:

- ``enroll``: request enrollment (device ID + one-time code, shown as text and
  as a QR code), wait for staff approval, keep the credential in the keyring;
- ``status``: enrolled?, the credential's age and next rotation, outbox counts,
  cursor, the sync engine's last status (a suspended device says so), how many
  failures the terminal caught (and the last one's time, class and place);
- ``sync``: run one sync round now (push, pull, reconcile) and print the status;
- ``list-backups`` / ``restore-backup [FILE]``: the store's backups
  (Kite must be stopped to restore);
- ``doctor``: check the set-up (config, permissions, keyring, CA bundle, server,
  TLS, clock, disk, Qt, fonts, store) and print each problem with its fix
  (:mod:`sync.doctor`); exit 1 when anything is wrong.

Every command takes ``--config`` (else ``KITE_CONFIG``, else the image's
default). Exit status: 0 done, 1 refused or failed (the message says why),
2 usage, 3 enrollment still pending at ``--timeout``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk import diagnostics as store_diagnostics
from kiosk.config import Settings, config_path, load_settings
from kiosk.errors import KiteError
from kiosk.failures import read_failures
from kiosk.store import list_backups, open_store, restore_backup
from sync import enrollment
from sync.clock_skew import describe_skew
from sync.credentials import CredentialStore, configure_keyring, store_key
from sync.errors import SyncError
from sync.status import read_status_file

EXIT_OK, EXIT_FAILED, EXIT_PENDING = 0, 1, 3


def _settings(args: argparse.Namespace) -> Settings:
    path, explicit = config_path(args.config)
    return load_settings(path, explicit=explicit)


def cmd_enroll(args: argparse.Namespace) -> int:
    from sync.terminal import open_terminal  # the engine is only needed here and in sync

    settings = _settings(args)
    # Enrollment is IT's first start of a terminal: the one place that may create data_dir
    # (the kiosk itself refuses a missing one; see docs/store.md).
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_keyring(settings)
    if enrollment.is_enrolled(CredentialStore()) and not args.force:
        print("This terminal is already enrolled (a credential is in the keyring).")
        print("Use --force to enroll again (for example after a revocation).")
        return EXIT_OK
    terminal = open_terminal(settings)
    try:
        ticket = terminal.enrollment.begin()
        print(f"Server:      {settings.server_url}")
        print(f"Facility:    {ticket.facility_id}")
        print(f"Device name: {ticket.device_name}")
        print(f"Device ID:   {ticket.device_id}")
        print(f"Code:        {ticket.one_time_code}")
        if not args.no_qr:
            print()
            print(enrollment.qr_text(ticket.qr_payload()))
        print("Waiting for staff to approve this device...", flush=True)
        outcome = enrollment.wait_for_approval(
            ticket,
            terminal.store,
            terminal.client,
            terminal.credentials,
            interval_s=args.interval,
            timeout_s=args.timeout,
        )
    finally:
        terminal.close(record_stop=False)
    if outcome == "approved":
        print("Approved. The device credential is stored in the keyring.")
        return EXIT_OK
    if outcome == "revoked":
        print("The server refused this device (revoked). Call facility IT.", file=sys.stderr)
        return EXIT_FAILED
    print("Still waiting for approval. Run 'kite-admin enroll' again to keep waiting.")
    return EXIT_PENDING


def diagnostics(settings: Settings) -> dict[str, Any]:
    """Everything ``status`` reports, as data."""
    credentials = CredentialStore()
    since = credentials.credential_since()
    report: dict[str, Any] = {
        "server_url": settings.server_url,
        "facility_id": settings.facility_id,
        "enrolled": bool(credentials.credential()),
        "enrollment_pending": bool(credentials.enrollment_code()),
        "credential_since": since.isoformat() if since else None,
        "credential_rotation_days": settings.credential_rotation_days,
    }
    if settings.database_path.exists():
        store = open_store(settings.database_path, store_key(settings))
        try:
            with store.read() as session:
                held = store_diagnostics.store_report(session)
            report["outbox"] = held.outbox
            report["cursor"] = held.cursor
            report["device_id"] = held.device_id
            report["revoked"] = held.revoked
            report["last_item_error"] = held.last_item_error
            report["set_aside"] = held.set_aside
            if held.sequence is not None:
                report["sequence"] = asdict(held.sequence)
            report["sequence_refused"] = held.sequence_refused
        finally:
            store.close()
    else:
        report["database"] = "missing"
    report["sync"] = read_status_file(settings.data_dir)
    report["failures"] = read_failures(settings.data_dir).to_json()
    return report


def cmd_status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_keyring(settings)
    report = diagnostics(settings)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return EXIT_OK
    sync_status = report.get("sync") or {}
    print(f"Server:        {report['server_url']} (facility {report['facility_id']})")
    print(f"Device ID:     {report.get('device_id') or '(none yet)'}")
    enrolled = "yes" if report["enrolled"] else "no"
    if report.get("revoked"):
        enrolled = "REVOKED: call facility IT"
    elif sync_status.get("state") == "suspended":
        enrolled = (
            "SUSPENDED by the server: a credential this terminal had rotated out was used "
            "again (suspected theft). Enroll it again: kite-admin enroll --force"
        )
    elif sync_status.get("state") == "credential_refused":
        enrolled = (
            "REFUSED by the server: it does not take this terminal's credential (unknown, "
            "expired or replaced). Enroll it again: kite-admin enroll --force"
        )
    elif report["enrollment_pending"] and not report["enrolled"]:
        enrolled = "no (waiting for approval)"
    print(f"Enrolled:      {enrolled}")
    if report["enrolled"]:
        print(f"Credential:    {_credential_age(report)}")
    outbox = report.get("outbox", {})
    print(
        "Outbox:        "
        f"{outbox.get('pending', 0)} waiting, {outbox.get('failed', 0)} refused, "
        f"{outbox.get('done', 0)} delivered"
    )
    if report.get("set_aside"):
        print(
            f"Set aside:     {report['set_aside']} refused after repeated server errors "
            "(server_error_repeated: the server's log says why)"
        )
    _print_sequence(report)
    print(f"Cursor:        {report.get('cursor') or '(nothing pulled yet)'}")
    print(f"Sync state:    {sync_status.get('state', 'unknown (engine not run yet)')}")
    _print_clock(sync_status)
    print(f"Last success:  {sync_status.get('last_success_at') or '-'}")
    print(f"Offline since: {sync_status.get('offline_since') or '-'}")
    error = sync_status.get("last_error")
    detail = sync_status.get("last_error_detail")
    print(f"Last error:    {error + ': ' + detail if error else '-'}")
    if report.get("last_item_error"):
        print(f"Last item error: {report['last_item_error']}")
    failures = report["failures"]
    line = f"Failures:      {failures['count']}"
    if failures["count"]:
        line += (
            f", last at {failures['last_at']}: {failures['last_kind']} in "
            f"{failures['last_where']} (logs/errors.log in the data folder has the stack)"
        )
    print(line)
    return EXIT_OK


def _print_clock(sync_status: dict[str, Any]) -> None:
    """How far this terminal's clock is from the server's, and whether the server refuses it."""
    skew, at = sync_status.get("clock_skew_s"), sync_status.get("clock_checked_at")
    if not isinstance(skew, int | float) or isinstance(skew, bool):
        print("Clock:         not compared with the server's yet")
        return
    window = sync_status.get("clock_window_s")
    allowed = float(window) if isinstance(window, int | float) else None
    line = f"Clock:         {describe_skew(float(skew), allowed)}, seen {at}"
    if sync_status.get("state") == "clock_wrong":
        line += (
            "\n               THE SERVER REFUSES THIS CLOCK: nothing syncs and residents "
            "cannot sign in until it is set (NTP); nothing queued is lost"
        )
    print(line)


def _credential_age(report: dict[str, Any]) -> str:
    """When the credential was rotated in, how old it is, and when it rotates next."""
    every = report["credential_rotation_days"]
    if not report["credential_since"]:
        return f"rotation due at the next sync round (then every {every} days)"
    since = datetime.fromisoformat(report["credential_since"])
    age = datetime.now(UTC) - since
    due = since + timedelta(days=every)
    return (
        f"last rotated {since.isoformat(timespec='seconds')} ({age.days} days ago); "
        f"next rotation due {due.isoformat(timespec='seconds')} (every {every} days)"
    )


def _print_sequence(report: dict[str, Any]) -> None:
    """The push sequence, and any jump past the server's mark or refusal of it."""
    sequence = report.get("sequence")
    if sequence:
        line = f"Sequence:      last seq {sequence['last_seq']}"
        if sequence["jumps"]:
            line += (
                f"; moved past the server's mark {sequence['server_mark']} "
                f"{sequence['jumps']} time(s), last at {sequence['jumped_at']} "
                "(a restored backup or a re-imaged terminal)"
            )
        print(line)
    if report.get("sequence_refused"):
        print(
            f"Seq refused:   {report['sequence_refused']} refused as sequence_regressed "
            "that the terminal could not renumber: call IT (the log has the server's mark)"
        )


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.terminal import open_terminal  # the engine is only needed here and in enroll

    terminal = open_terminal(_settings(args))
    try:
        status = terminal.worker.sync_once()
    finally:
        terminal.close(record_stop=False)  # this round's status is what 'status' shows next
    print(json.dumps(status.to_json(), indent=2))
    return EXIT_OK if status.state == "online" else EXIT_FAILED


def cmd_list_backups(args: argparse.Namespace) -> int:
    settings = _settings(args)
    backups = list_backups(settings.database_path)
    if not backups:
        print(f"No backups of {settings.database_path}.")
    for backup in backups:
        print(f"{backup.path}  taken {backup.taken_at.isoformat()}  revision {backup.revision}")
    return EXIT_OK


def cmd_restore_backup(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.backup:
        source: Path | Any = Path(args.backup)
    else:
        backups = list_backups(settings.database_path)
        if not backups:
            print(f"No backups of {settings.database_path} to restore.", file=sys.stderr)
            return EXIT_FAILED
        source = backups[-1]
    configure_keyring(settings)
    restore_backup(settings.database_path, source, store_key(settings))
    shown = source.path if hasattr(source, "path") else source
    print(f"Restored {settings.database_path} from {shown}.")
    return EXIT_OK


def cmd_provision_secrets(args: argparse.Namespace) -> int:
    """Seal a new secrets key with systemd-creds (root; once per terminal, before enrolling)."""
    from sync.secrets_keyring import load_secrets_key, seal_secrets_key

    settings = _settings(args)
    target = Path(settings.credential_file)
    if args.reseal:
        seal_secrets_key(target, with_key=args.with_key, key=load_secrets_key(target))
        print(f"Sealed the same secrets key again in {target} (--with-key={args.with_key}).")
        return EXIT_OK
    if target.exists() and not args.force:
        print(f"{target} exists: this terminal's secrets key is provisioned.")
        print(
            "--force seals a new one: the credential and the store sealed with the old one "
            "become unreadable (the terminal must be wiped and enrolled again)."
        )
        return EXIT_OK
    seal_secrets_key(target, with_key=args.with_key)
    print(f"Sealed a new secrets key in {target} (systemd-creds --with-key={args.with_key}).")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from sync import doctor

    path, findings = doctor.run(args.config)
    print(f"kite-admin doctor: {path}")
    print(doctor.render(findings))
    return EXIT_OK if all(finding.ok for finding in findings) else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kite-admin", description=__doc__.split("\n")[0])
    parser.add_argument("--config", help="configuration file (default: KITE_CONFIG or the image's)")
    commands = parser.add_subparsers(dest="command", required=True)

    enroll = commands.add_parser("enroll", help="enroll this terminal with the central server")
    enroll.add_argument("--timeout", type=float, default=None, help="stop waiting after S seconds")
    enroll.add_argument("--interval", type=float, default=3.0, help="seconds between checks")
    enroll.add_argument("--no-qr", action="store_true", help="do not draw the QR code")
    enroll.add_argument("--force", action="store_true", help="enroll even if a credential exists")
    enroll.set_defaults(run=cmd_enroll)

    status = commands.add_parser("status", help="show enrollment, outbox and sync diagnostics")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(run=cmd_status)

    sync = commands.add_parser("sync", help="run one sync round now")
    sync.set_defaults(run=cmd_sync)

    backups = commands.add_parser("list-backups", help="list the database backups")
    backups.set_defaults(run=cmd_list_backups)

    restore = commands.add_parser("restore-backup", help="put a backup back (Kite stopped)")
    restore.add_argument("backup", nargs="?", help="backup file (default: the newest)")
    restore.set_defaults(run=cmd_restore_backup)

    provision = commands.add_parser(
        "provision-secrets", help="seal this terminal's secrets key with systemd-creds (root)"
    )
    provision.add_argument(
        "--with-key",
        default="auto",
        choices=["auto", "host", "tpm2", "host+tpm2"],
        help="systemd-creds --with-key (auto: TPM2 and host key where there is a TPM2)",
    )
    provision.add_argument("--force", action="store_true", help="replace an existing key")
    provision.add_argument(
        "--reseal",
        action="store_true",
        help="seal the existing key again (another --with-key, before a Secure Boot change)",
    )
    provision.set_defaults(run=cmd_provision_secrets)

    doctor = commands.add_parser("doctor", help="check the set-up; print each problem and its fix")
    doctor.set_defaults(run=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (KiteError, SyncError) as exc:
        print(f"kite-admin {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug, or an answer nothing above caught: a line, not a trace
        logging.getLogger(__name__).exception("kite-admin %s failed", args.command)
        print(f"kite-admin {args.command}: failed unexpectedly: {exc!r}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    return code


if __name__ == "__main__":
    sys.exit(main())
