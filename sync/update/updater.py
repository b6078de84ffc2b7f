"""Install a signed release side by side, try it, and roll back on its own if it fails.

The order protects what is there: nothing is touched before the signature is good
and the release is unpacked; the store is backed up (with the session stopped)
before ``current`` moves; and once it has moved, any failure of the new release
puts back the old link, the store backup and the old session. What the last
update replaced is kept in ``<state_dir>/last-update.json`` for a later manual
``kite-update rollback``.

An encrypted store (every terminal's since secrets at rest) is backed up and put
back with its key, which the updater (root) unseals with systemd-creds as
``kite-admin`` does. The new release's self-test runs as the kiosk user, who
cannot unseal it: the updater hands it the secrets key the way systemd hands
it to the kiosk unit, in a private ``CREDENTIALS_DIRECTORY`` of its own, removed
after the trial.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from keyring.errors import KeyringError

from kiosk.config import ConfigError, Settings, load_settings
from kiosk.store.backups import back_up_as_is, restore_backup
from kiosk.store.database import StoreError
from sync.secrets_keyring import CREDENTIAL_NAME, SecretsKeyring
from sync.update import UpdateError, releases, signing, trial
from sync.update.releases import Layout
from sync.update.settings import UpdateSettings

log = logging.getLogger(__name__)
Say = Callable[[str], None]
STATE = "last-update.json"


class RolledBack(UpdateError):
    """The new release failed its trial; the previous one is current again."""

    rolled_back = True


@dataclass(frozen=True)
class Updater:
    settings: UpdateSettings
    say: Say = print

    @property
    def layout(self) -> Layout:
        return Layout(self.settings.install_dir)

    def install(self, archive: Path, signature: Path) -> str:
        """Verify, unpack, switch, try; return the new version, or raise (RolledBack if so)."""
        signing.verify(archive, signature, self.settings.release_key())
        self.say(f"signature good: {archive.name}")
        old = self.layout.version_of("current")
        if old is None:
            raise UpdateError(
                f"{self.layout.link('current')} names no installed release, so there would be "
                "nothing to go back to: install the kite-terminal package first."
            )
        database = self._database()
        # Before anything changes: a secrets key that will not unseal stops the update here.
        secrets = self._secrets_key()
        version = releases.unpack(archive, self.layout)
        self.say(f"unpacked {version} beside {old} in {self.layout.releases}")

        self._service("stop")
        backup = self._back_up(database, secrets)
        self._write_state({"from": old, "to": version, "store_backup": backup})
        before = self.layout.version_of("previous")
        self.layout.switch("previous", old)
        self.layout.switch("current", version)
        self.say(f"current -> releases/{version}; trying it")
        try:
            self._try(version, secrets)
            self._service("start")
        except UpdateError as exc:
            self._go_back(old, version, database, backup, secrets)
            self._forget_failed(version, before)
            raise RolledBack(
                f"Release {version} failed: {exc}. Rolled back: {old} is current again"
                + (f" and the store was restored from {backup}." if backup else ".")
            ) from exc
        gone = self.layout.prune()
        if gone:
            self.say(f"removed older releases: {', '.join(gone)}")
        self.say(f"updated {old} -> {version}")
        return version

    def rollback(self) -> str:
        """Go back to the release before the last update, its store backup restored."""
        state = self._read_state()
        current = self.layout.version_of("current")
        previous = self.layout.version_of("previous")
        if (
            previous is None
            or current is None
            or current != state.get("to")
            or previous != state.get("from")
        ):
            raise UpdateError(
                "There is no update to roll back: the current release is not the one the last "
                f"kite-update installed (current {current}, previous {previous}). "
                "Nothing was changed."
            )
        database = self._database()
        secrets = self._secrets_key()
        self._service("stop")
        backup = state.get("store_backup")
        self._go_back(
            previous, current, database, backup if isinstance(backup, str) else None, secrets
        )
        self._write_state({})
        return previous

    def _try(self, version: str, secrets: bytes | None) -> None:
        with self._credentials_for_trial(secrets) as credentials:
            self._try_with(version, credentials)

    def _try_with(self, version: str, credentials: dict[str, str]) -> None:
        program = str(self.layout.releases / version / "kite")
        env = {
            **credentials,
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen",
            "KITE_CONFIG": str(self.settings.kite_config),
        }
        timeout = self.settings.ready_timeout
        run_as = self.settings.run_as
        trial.self_test(trial.as_user(run_as, [program, "--smoke-test"]), env, timeout)
        self.say(f"{version}: self-test passed")
        trial.wait_for_ready(
            trial.as_user(run_as, [program, "--exit-on-first-paint"]), env, timeout
        )
        self.say(f"{version}: reported READY")

    def _go_back(
        self, old: str, failed: str, database: Path, backup: str | None, secrets: bytes | None
    ) -> None:
        self._service("stop", check=False)
        self.layout.switch("current", old)
        if backup is not None:
            try:
                restore_backup(database, Path(backup), _store_key(secrets))
            except StoreError as exc:
                raise UpdateError(
                    f"{old} is current again, but its store could not be put back: {exc} "
                    f"The backup taken before the update is {backup}."
                ) from exc
            _for_the_kiosk_user(database)
        elif database.exists():
            database.unlink()  # the failed release created it; there was none before
        self._service("start", check=False)
        self.say(f"rolled back: current -> releases/{old} (from {failed})")

    def _forget_failed(self, failed: str, previous: str | None) -> None:
        """After a rollback: ``previous`` as it was; the failed release deleted, not its archive."""
        if previous is not None:
            self.layout.switch("previous", previous)
        else:
            self.layout.link("previous").unlink(missing_ok=True)
        shutil.rmtree(self.layout.releases / failed, ignore_errors=True)
        self._write_state({})

    def _kite_settings(self) -> Settings:
        try:
            return load_settings(self.settings.kite_config, explicit=True)
        except ConfigError as exc:
            raise UpdateError(f"The terminal's configuration is unusable: {exc}") from exc

    def _database(self) -> Path:
        return self._kite_settings().database_path

    def _secrets_key(self) -> bytes | None:
        """The terminal's secrets key (None on a terminal that has none provisioned yet)."""
        settings = self._kite_settings()
        backend = SecretsKeyring(credential_file=Path(settings.credential_file))
        provisioned = backend.credential_file.exists() or os.environ.get("CREDENTIALS_DIRECTORY")
        if not provisioned:
            return None
        try:
            return backend.secrets_key()
        except KeyringError as exc:
            raise UpdateError(
                f"The terminal's secrets key cannot be unsealed ({exc}), so its encrypted "
                "store could be neither backed up nor opened by the new release. Nothing was "
                "changed. 'kite-admin doctor' names the fix."
            ) from exc

    @contextmanager
    def _credentials_for_trial(self, secrets: bytes | None) -> Iterator[dict[str, str]]:
        """A private credentials folder holding the secrets key for the trial's user."""
        if secrets is None:
            yield {}
            return
        run = Path("/run")
        folder = Path(
            tempfile.mkdtemp(prefix="kite-update-", dir=run if os.access(run, os.W_OK) else None)
        )
        try:
            held = folder / CREDENTIAL_NAME
            descriptor = os.open(held, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.hex())
            if self.settings.run_as and os.geteuid() == 0:
                user = pwd.getpwnam(self.settings.run_as)
                for path in (folder, held):
                    os.chown(path, user.pw_uid, user.pw_gid)
            yield {"CREDENTIALS_DIRECTORY": str(folder)}
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _back_up(self, database: Path, secrets: bytes | None) -> str | None:
        try:
            backup = back_up_as_is(database, _store_key(secrets))
        except StoreError as exc:
            self._service("start", check=False)
            raise UpdateError(
                f"{exc} Nothing was switched; the new release stays unpacked beside the old. "
                "'kite-admin doctor' checks the store."
            ) from exc
        if backup is None:
            return None
        _for_the_kiosk_user(backup.path)
        self.say(f"store backed up to {backup.path}")
        return str(backup.path)

    def _service(self, action: str, *, check: bool = True) -> None:
        unit = self.settings.service
        if not unit or not Path("/run/systemd/system").is_dir():
            return  # no session unit, or no running systemd (an image build, a container)
        try:
            result = subprocess.run(
                ["systemctl", action, unit],
                capture_output=True,
                text=True,
                timeout=self.settings.ready_timeout + 30,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            result = subprocess.CompletedProcess(exc.cmd, 1, "", "timed out")
        if check and result.returncode != 0:
            raise UpdateError(f"systemctl {action} {unit} failed: {result.stderr.strip()}")

    def _write_state(self, state: dict[str, str | None]) -> None:
        folder = self.settings.state_dir
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamped = {**state, "at": datetime.now(UTC).isoformat()} if state else {}
        temporary = folder / f".{STATE}.new"
        temporary.write_text(json.dumps(stamped, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, folder / STATE)

    def _read_state(self) -> dict[str, object]:
        try:
            state = json.loads((self.settings.state_dir / STATE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise UpdateError(f"Cannot read {self.settings.state_dir / STATE}: {exc}.") from exc
        return state if isinstance(state, dict) else {}


def _store_key(secrets: bytes | None) -> bytes | None:
    return None if secrets is None else SecretsKeyring(secrets_key=secrets).store_key()


def _for_the_kiosk_user(path: Path) -> None:
    """The updater runs as root; the store and its backups stay the kiosk user's, 0600."""
    folder = path.parent if path.parent.name != "backups" else path.parent.parent
    info = folder.stat()
    if os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
        shutil.chown(path, info.st_uid, info.st_gid)
    path.chmod(0o600)
