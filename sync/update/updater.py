"""Install a signed release side by side, try it, and roll back on its own if it fails.

The order protects what is there: nothing is touched before the signature is good
and the release is unpacked; the store is backed up (with the session stopped)
before ``current`` moves; and once it has moved, any failure of the new release
puts back the old link, the store backup and the old session. What the last
update replaced is kept in ``<state_dir>/last-update.json`` for a later manual
``kite-update rollback``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.config import ConfigError, load_settings
from kiosk.store.backups import back_up_as_is, restore_backup
from kiosk.store.database import StoreError
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
        version = releases.unpack(archive, self.layout)
        self.say(f"unpacked {version} beside {old} in {self.layout.releases}")

        self._service("stop")
        backup = self._back_up(database)
        self._write_state({"from": old, "to": version, "store_backup": backup})
        before = self.layout.version_of("previous")
        self.layout.switch("previous", old)
        self.layout.switch("current", version)
        self.say(f"current -> releases/{version}; trying it")
        try:
            self._try(version)
            self._service("start")
        except UpdateError as exc:
            self._go_back(old, version, database, backup)
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
        self._service("stop")
        backup = state.get("store_backup")
        self._go_back(previous, current, database, backup if isinstance(backup, str) else None)
        self._write_state({})
        return previous

    def _try(self, version: str) -> None:
        program = str(self.layout.releases / version / "kite")
        env = {
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

    def _go_back(self, old: str, failed: str, database: Path, backup: str | None) -> None:
        self._service("stop", check=False)
        self.layout.switch("current", old)
        if backup is not None:
            try:
                restore_backup(database, Path(backup))
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

    def _database(self) -> Path:
        try:
            return load_settings(self.settings.kite_config, explicit=True).database_path
        except ConfigError as exc:
            raise UpdateError(f"The terminal's configuration is unusable: {exc}") from exc

    def _back_up(self, database: Path) -> str | None:
        try:
            backup = back_up_as_is(database)
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


def _for_the_kiosk_user(path: Path) -> None:
    """The updater runs as root; the store and its backups stay the kiosk user's, 0600."""
    folder = path.parent if path.parent.name != "backups" else path.parent.parent
    info = folder.stat()
    if os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
        shutil.chown(path, info.st_uid, info.st_gid)
    path.chmod(0o600)
