"""``kite-admin doctor``: what is wrong with this terminal's set-up, and how to fix it.

Each check prints one line, ``ok`` or ``PROBLEM``; every problem is followed by
its fix in plain English. The exit status is 1 when anything is wrong, so a
fleet tool can run it on every terminal. Checks, in order: the configuration,
the data folder's permissions, the keyring (backend and credential), the CA
bundle, the server (reachable, TLS verified, protocol, credential accepted),
the clock against the server's, free disk space, Qt's platform plugin and the
libraries it loads, fonts, and the store (SQLite ``integrity_check``, schema
revision). Nothing is changed: the store is opened read-only, nothing is written
to the keyring (whose set-up tightens its file to 0600, as every start of Kite
does; the permissions check reports a looser mode first), and only read-only
requests go to the server.

The checks of the machine itself (disk, Qt, fonts) are in :mod:`sync.doctor_host`.
"""

from __future__ import annotations

import os
import pwd
import re
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from keyring.errors import KeyringError

from kiosk.clock import server_time, utcnow
from kiosk.config import ConfigError, Settings, config_path, load_settings
from kiosk.errors import KiteError
from kiosk.store import list_backups
from kiosk.store.health import examine_store
from sync.client import SyncClient
from sync.clock_skew import describe_skew
from sync.credentials import (
    KEYRING_FILE,
    CredentialStore,
    KeyringUnavailable,
    configure_keyring,
)
from sync.doctor_host import Finding, check_disk, check_fonts, check_qt, ok, problem
from sync.errors import (
    ClockSkewed,
    CredentialRefused,
    CredentialRevoked,
    DeviceSuspended,
    ServerUnreachable,
    SyncError,
)
from sync.secrets_keyring import KEYRING_FILE as SEALED_KEYRING_FILE
from sync.secrets_keyring import SecretsKeyring

#: Further from the server's clock than this is a problem even where the server's window
#: (300 s by default) still takes it: a clock kept by NTP is within a second.
CLOCK_TOLERANCE_S = 60.0


def _who(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def check_config(path: Path, explicit: bool) -> tuple[Settings | None, Finding]:
    try:
        settings = load_settings(path, explicit=explicit)
    except ConfigError as exc:
        return None, problem(
            "Config",
            str(exc),
            f"Edit {path} (docs/configuration.md lists every key), or unset the KITE_* "
            "environment variable named above.",
        )
    source = str(path) if path.exists() else f"defaults ({path} does not exist)"
    return settings, ok(
        "Config", f"{source}: server {settings.server_url}, facility {settings.facility_id}"
    )


def check_permissions(settings: Settings) -> Iterator[Finding]:
    folder, me = settings.data_dir, os.geteuid()
    if not folder.is_dir():
        yield problem(
            "Permissions",
            f"the data folder {folder} does not exist",
            f"If the data disk is not mounted, mount it; otherwise create the folder: "
            f"install -d -m 0700 -o {_who(me)} {folder} (or fix data_dir).",
        )
        return
    info = folder.stat()
    if info.st_uid != me:
        yield problem(
            "Permissions",
            f"the data folder {folder} belongs to {_who(info.st_uid)}, not to {_who(me)} "
            "who runs Kite",
            f"chown -R {_who(me)}: {folder}",
        )
    elif info.st_mode & 0o077:
        yield problem(
            "Permissions",
            f"the data folder {folder} is mode {info.st_mode & 0o777:04o}: other users "
            "can look into it",
            f"chmod 0700 {folder}",
        )
    else:
        yield ok("Permissions", f"{folder} is mode 0700, owned by {_who(me)}")
    files = [settings.database_path, folder / KEYRING_FILE, folder / SEALED_KEYRING_FILE]
    files += [backup.path for backup in list_backups(settings.database_path)]
    for file in files:
        if not file.exists():
            continue
        stat = file.stat()
        if stat.st_mode & 0o077:
            yield problem(
                "Permissions",
                f"{file} is mode {stat.st_mode & 0o777:04o}: readable by other users",
                f"chmod 600 {file}",
            )
        if stat.st_uid != me:
            yield problem(
                "Permissions",
                f"{file} belongs to {_who(stat.st_uid)}, not to {_who(me)} who runs Kite",
                f"chown {_who(me)}: {file}",
            )


PROVISION = (
    "As root: kite-admin provision-secrets (seals a new secrets key with systemd-creds: the "
    "TPM2 where there is one). A terminal that had one before loses its credential and "
    "store with it: then also kite-admin enroll --force, and staff approve it again."
)


def _backend(settings: Settings) -> SecretsKeyring | None:
    """The sealed keyring with its key unsealed, or None (check_keyring says why)."""
    try:
        backend = configure_keyring(settings, move_plaintext=False)
        backend.secrets_key()
    except (KeyringUnavailable, KeyringError):
        return None
    return backend


def _tpm2() -> str:
    """Whether this machine has a TPM2 for systemd-creds (what a whole-disk copy can unseal)."""
    try:
        found = subprocess.run(
            ["systemd-creds", "has-tpm2", "-q"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "TPM2 unknown (systemd-creds has-tpm2 did not run)"
    if found.returncode == 0:
        return "this machine has a TPM2"
    return "no TPM2 here: the host key alone seals it, so a copy of the whole disk unseals it"


def check_keyring(settings: Settings) -> Iterator[Finding]:
    try:
        backend = configure_keyring(settings, move_plaintext=False)
    except KeyringUnavailable as exc:
        yield problem("Keyring", str(exc), 'Set keyring_backend = "systemd-creds" (the default).')
        return
    try:
        backend.secrets_key()
    except KeyringError as exc:
        yield problem("Keyring", f"the secrets key cannot be unsealed: {exc}", PROVISION)
        return
    legacy = settings.data_dir / KEYRING_FILE
    if legacy.exists():
        yield problem(
            "Keyring",
            f"{legacy}, the plain-text keyring of an earlier Kite, is still there: the device "
            "credential in it is readable by anyone who copies the disk",
            "Start Kite once, or run kite-admin status: either moves its secrets into the "
            "sealed keyring and deletes it.",
        )
    shown = f"sealed keyring {backend.keyring_file}, key from systemd-creds; {_tpm2()}"
    store = CredentialStore()
    try:
        credential, pending = store.credential(), store.enrollment_code()
    except KeyringUnavailable as exc:
        yield problem(
            "Keyring",
            f"{shown}: {exc}",
            "Check that the keyring file is readable; if it was sealed with another key, "
            "kite-admin enroll --force.",
        )
        return
    if credential:
        yield ok("Keyring", f"a device credential is present ({shown})")
    elif pending:
        yield problem(
            "Keyring",
            f"no device credential yet: enrollment is waiting for staff approval ({shown})",
            "Ask staff to approve the device, then run kite-admin enroll again to collect it.",
        )
    else:
        yield problem(
            "Keyring",
            f"no device credential in the keyring ({shown}): this terminal is not enrolled",
            "Enroll this terminal: kite-admin enroll (--force if it was enrolled before).",
        )


def check_ca_bundle(settings: Settings) -> Iterator[Finding]:
    bundle = settings.ca_bundle
    if bundle is None:
        if settings.server_url.startswith("https://"):
            yield ok("CA bundle", "ca_bundle unset: the system's CAs verify the server")
        return
    try:
        context = ssl.create_default_context(cafile=str(bundle))
    except (ssl.SSLError, OSError, ValueError) as exc:
        yield problem(
            "CA bundle",
            f"{bundle} cannot be read as PEM certificates ({exc})",
            f"Put the facility CA's certificate (PEM, '-----BEGIN CERTIFICATE-----') in {bundle}.",
        )
        return
    count = context.cert_store_stats()["x509_ca"]
    if not count:
        yield problem(
            "CA bundle",
            f"{bundle} holds no CA certificate",
            f"Put the facility CA's certificate in {bundle} (a CA, not the server's own).",
        )
    else:
        yield ok("CA bundle", f"{bundle}: {count} CA certificate(s)")


def check_server(settings: Settings) -> Iterator[Finding]:
    """Reachability, TLS, protocol, the clock, and whether the server takes the credential."""
    credentials = CredentialStore()
    client = SyncClient(settings, credentials.credential)
    url = settings.server_url
    trust = str(settings.ca_bundle) if settings.ca_bundle else "the system's CAs"
    try:
        sent = time.monotonic()
        answer = client.health()
        rtt = time.monotonic() - sent
        now = utcnow()
    except ClockSkewed as exc:
        yield ok("Server", f"{url} answers")
        yield _clockproblem(exc.skew_s, exc.window_s, refused=True)
        return
    except ServerUnreachable as exc:
        yield _unreachable(url, trust, exc)
        return
    except SyncError as exc:
        yield problem(
            "Server",
            f"{url} answers, but not as a Kite server should: {exc}",
            "Check that server_url names the Kite central server and that both run "
            "matching versions (docs/protocol.md).",
        )
        return
    finally:
        client.close()
    tls = f", TLS verified against {trust}" if url.startswith("https://") else " (loopback)"
    yield ok("Server", f"{url} answers{tls}")
    yield _clock(answer, now, rtt)
    yield from _credential_taken(settings, credentials)


def _unreachable(url: str, trust: str, exc: ServerUnreachable) -> Finding:
    if isinstance(exc.__cause__, Exception) and "SSL" in type(exc.__cause__).__name__:
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text and "match" in text:
            fix = f"server_url must name the host the server's certificate names ({url})."
        else:
            fix = (
                f"The server's certificate is not signed by a CA in {trust}: put the CA "
                "that signed it in ca_bundle (ask whoever issued it), or fix server_url if "
                "it names the wrong server."
            )
        return problem("TLS", f"the TLS connection to {url} does not verify: {exc}", fix)
    reason = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return problem(
        "Server",
        f"cannot reach {url}: {reason.group(0) if reason else exc}",
        "Check the network cable and the terminal's address, that server_url is right, "
        "that the firewall lets the terminal through (the kiosk unit's IPAddressAllow=), "
        "and that kite-central runs. Kite works offline meanwhile and syncs later.",
    )


def _clock(answer: Any, now: datetime, rtt: float) -> Finding:
    try:
        stamped = server_time(answer["server_time"])
    except (KeyError, TypeError, ValueError, KiteError):
        return ok("Clock", "not compared: the server's health answer carries no time")
    # The server stamped its answer about half a round trip before it arrived.
    skew = (stamped - now).total_seconds() + rtt / 2
    if abs(skew) > CLOCK_TOLERANCE_S:
        return _clockproblem(skew, None, refused=False)
    return ok("Clock", describe_skew(skew))


def _clockproblem(skew: float | None, window: float | None, *, refused: bool) -> Finding:
    said = describe_skew(skew, window) if skew is not None else "wrong"
    found = f"this terminal's clock is {said}"
    if refused:
        found += ": THE SERVER REFUSES IT (nothing syncs, residents cannot sign in)"
    else:
        found += f" (more than {CLOCK_TOLERANCE_S:g} s: the server refuses beyond its window)"
    return problem(
        "Clock",
        found,
        "Set the clock and keep it set: timedatectl set-ntp true (systemd-timesyncd), with "
        "the facility's NTP server in /etc/systemd/timesyncd.conf. Kite never sets it itself.",
    )


def _credential_taken(settings: Settings, credentials: CredentialStore) -> Iterator[Finding]:
    try:
        if not credentials.credential():
            return  # the keyring check said so
    except KeyringUnavailable:
        return
    client = SyncClient(settings, credentials.credential)
    try:
        client.request_json("GET", "/v1/policy")
    except (CredentialRefused, CredentialRevoked, DeviceSuspended) as exc:
        yield problem(
            "Enrollment",
            f"the server does not take this terminal's credential: {exc}",
            "Enroll it again: kite-admin enroll --force, and staff approve it.",
        )
    except SyncError as exc:
        yield problem("Enrollment", f"checking the credential failed: {exc}", "Run doctor again.")
    else:
        yield ok("Enrollment", "the server takes this terminal's credential")
    finally:
        client.close()


def check_store(settings: Settings) -> Iterator[Finding]:
    path = settings.database_path
    if not settings.data_dir.is_dir():
        return
    backend = _backend(settings)
    health = examine_store(path, backend.store_key() if backend is not None else None)
    if not health.exists:
        yield ok("Store", f"no database yet at {path}: Kite creates it at its first start")
    elif health.problem:
        backups = list_backups(path)
        restore = (
            f"Stop Kite (systemctl stop kite-kiosk) and put the newest backup back: "
            f"kite-admin restore-backup ({backups[0].path})"
            if backups
            else "There is no backup of it: stop Kite, move the file aside and enroll the "
            "terminal again (kite-admin enroll --force); the server still holds what synced"
        )
        yield problem("Store", f"{path} {health.problem}", restore + ".")
    elif health.revision != health.head:
        yield ok(
            "Store",
            f"{path}: intact, schema revision {health.revision}; Kite updates it to "
            f"{health.head} at its next start (after a backup)",
        )
    else:
        yield ok("Store", f"{path}: intact (integrity_check), schema revision {health.head}")
    if health.exists and not health.problem:
        if health.encrypted:
            yield ok("Encryption", f"{path} is encrypted (SQLCipher) with this device's key")
        else:
            yield problem(
                "Encryption",
                f"{path} is not encrypted: whoever copies the disk reads every message in it",
                "Start Kite (systemctl restart kite-kiosk) or run kite-admin status: the "
                "store is encrypted with this device's key at its next open (IT guide, "
                "'Secrets at rest').",
            )


def run(config: str | None) -> tuple[Path, list[Finding]]:
    """Every check, in order; the checks that need the configuration stop at a bad one."""
    path, explicit = config_path(config)
    settings, finding = check_config(path, explicit)
    findings = [finding]
    if settings is not None:
        for check in (check_permissions, check_keyring, check_ca_bundle, check_server):
            findings += check(settings)
        findings += check_disk(settings)
    findings += check_qt()
    findings += check_fonts()
    if settings is not None:
        findings += check_store(settings)
    return path, findings


def render(findings: list[Finding]) -> str:
    lines = []
    for finding in findings:
        mark = "ok     " if finding.ok else "PROBLEM"
        lines.append(f"{mark}  {finding.check + ':':<13}{finding.found}")
        if not finding.ok:
            lines.append(f"{'':9}{'Fix:':<13}{finding.fix}")
    problems = sum(not f.ok for f in findings)
    lines.append(f"{problems} problem(s) found." if problems else "No problems found.")
    return "\n".join(lines)
