"""The device credential in the OS keyring, and pinning the keyring backend.

The credential never touches the config file or the database. On a headless
kiosk image keyring's default backend is ``fail`` (every call raises), so the
backend is chosen in code at start from ``settings.keyring_backend``:

- ``file``: keyrings.alt's PlaintextKeyring in ``data_dir/keyring.cfg``, created
  mode 600 (protected by file permissions: the data directory belongs to the
  kiosk user) and replaced whole on every write (a copy written, flushed to
  disk, renamed over it), so a kill or a power cut mid-write (a credential
  rotation) leaves the old file or the new one, never none. ``data_dir``
  itself is never created here: a missing folder means an unmounted data
  disk, or a terminal IT has not enrolled yet;
- ``system``: whatever keyring picks by itself;
- a dotted class name (``keyrings.cryptfile.cryptfile.CryptFileKeyring``): that class.

``PYTHON_KEYRING_BACKEND`` in the environment wins over all of them, so an
operator can override the image without editing its configuration.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError
from keyrings.alt.file import PlaintextKeyring

from kiosk.config import Settings
from kiosk.errors import OperatorError

SERVICE = "kite-terminal"
CREDENTIAL_KEY = "device_credential"
CREDENTIAL_SINCE_KEY = "device_credential_since"  # when it was collected or rotated in
ENROLLMENT_KEY = "enrollment_code"
SECRET_KEY = "enrollment_collection_secret"
KEYRING_FILE = "keyring.cfg"


class KeyringUnavailable(OperatorError):
    """The configured keyring backend cannot be loaded or used."""


class _PrivateFileKeyring(PlaintextKeyring):  # type: ignore[misc]
    """PlaintextKeyring whose file is readable by its owner only from the moment it exists."""

    def _ensure_file_path(self) -> None:
        # keyrings.alt creates the file with open() and chmods it after, so for a moment
        # it follows the umask (world-readable under 022). os.open creates it 0600 at once
        # (a umask can only take bits away). Its folder is data_dir: never created here.
        try:
            fd = os.open(self.file_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        except FileNotFoundError as exc:
            raise KeyringError(
                f"the folder of {self.file_path} does not exist (is the data disk mounted?)"
            ) from exc
        os.close(fd)

    # keyrings.alt rewrites the file in place (truncate, then write): a kill or a power cut
    # in between would lose every secret in it, the device credential included. Each write
    # goes to a private copy instead, which then replaces the file in one rename.
    _writing = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._writing:  # never while a write has the file path pointing at its copy
            value: str | None = super().get_password(service, username)
            return value

    def _write_config_value(self, service: str, key: str, value: str) -> None:
        with self._replacing():
            super()._write_config_value(service, key, value)

    def delete_password(self, service: str, username: str) -> None:
        with self._replacing():
            super().delete_password(service, username)

    @contextlib.contextmanager
    def _replacing(self) -> Iterator[None]:
        with self._writing:
            self._ensure_file_path()
            target: str = self.file_path  # type: ignore[has-type]
            folder = os.path.dirname(target) or "."
            fd, scratch = tempfile.mkstemp(dir=folder, prefix=".keyring.")  # mode 0600
            try:
                with open(target, "rb") as source, os.fdopen(fd, "wb") as copy:
                    shutil.copyfileobj(source, copy)
                self.file_path = scratch
                try:
                    yield
                finally:
                    self.file_path = target
                with open(scratch, "rb+") as written:
                    os.fsync(written.fileno())
                os.replace(scratch, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(scratch)
                raise
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


def configure_keyring(settings: Settings) -> KeyringBackend:
    """Pin the keyring backend for this process and return it."""
    override = os.environ.get("PYTHON_KEYRING_BACKEND")
    choice = settings.keyring_backend
    try:
        if override:
            backend = keyring.core.load_keyring(override)
        elif choice == "file":
            data_dir = Path(settings.data_dir)
            backend = _PrivateFileKeyring()
            backend.file_path = str(data_dir / KEYRING_FILE)
            if Path(backend.file_path).exists():
                os.chmod(backend.file_path, 0o600)
        elif choice == "system":
            return keyring.get_keyring()
        else:
            backend = keyring.core.load_keyring(choice)
    except (ImportError, AttributeError, ValueError) as exc:
        name = override or choice
        raise KeyringUnavailable(
            f"keyring backend {name!r} cannot be loaded ({exc}). Set keyring_backend to "
            "'file', 'system' or an installed backend class, or fix PYTHON_KEYRING_BACKEND."
        ) from exc
    keyring.set_keyring(backend)
    return backend


#: One at a time in this process: the sync threads read the credential on every request
#: while a rotation writes it, and a backend's write is not atomic to a reader (keyrings.alt's
#: file backends truncate, then write: a reader in between finds no credential).
_KEYRING_LOCK = threading.RLock()


class CredentialStore:
    """Reads and writes this device's secrets in the pinned keyring."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _get(self, key: str) -> str | None:
        try:
            with _KEYRING_LOCK:
                value: str | None = keyring.get_password(self.service, key)
        except KeyringError as exc:
            raise KeyringUnavailable(
                f"the keyring cannot be read ({exc}); check keyring_backend."
            ) from exc
        return value

    def _set(self, key: str, value: str) -> None:
        try:
            with _KEYRING_LOCK:
                keyring.set_password(self.service, key, value)
        except KeyringError as exc:
            raise KeyringUnavailable(
                f"the keyring cannot be written ({exc}); check keyring_backend."
            ) from exc

    def _delete(self, key: str) -> None:
        with _KEYRING_LOCK, contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(self.service, key)

    def credential(self) -> str | None:
        """The issued device credential, or None when not enrolled."""
        return self._get(CREDENTIAL_KEY)

    def store_credential(self, credential: str) -> None:
        self._set(CREDENTIAL_KEY, credential)

    def credential_since(self) -> datetime | None:
        """When the credential was collected or rotated in (None: unknown, rotate soon)."""
        value = self._get(CREDENTIAL_SINCE_KEY)
        try:
            since = datetime.fromisoformat(value) if value else None
        except ValueError:
            return None
        return since if since is not None and since.tzinfo is not None else None

    def store_credential_since(self, when: datetime) -> None:
        self._set(CREDENTIAL_SINCE_KEY, when.isoformat())

    def forget_credential_since(self) -> None:
        self._delete(CREDENTIAL_SINCE_KEY)

    def forget_credential(self) -> None:
        """Remove the credential (revocation); a missing one is not an error."""
        self._delete(CREDENTIAL_KEY)
        self._delete(CREDENTIAL_SINCE_KEY)

    def enrollment_code(self) -> str | None:
        """The one-time code of an enrollment still waiting for approval."""
        return self._get(ENROLLMENT_KEY)

    def store_enrollment_code(self, code: str) -> None:
        self._set(ENROLLMENT_KEY, code)

    def forget_enrollment_code(self) -> None:
        self._delete(ENROLLMENT_KEY)

    def collection_secret(self) -> str | None:
        """The secret that renews this terminal's enrollment request and collects (never shown)."""
        return self._get(SECRET_KEY)

    def store_collection_secret(self, secret: str) -> None:
        self._set(SECRET_KEY, secret)

    def forget_collection_secret(self) -> None:
        self._delete(SECRET_KEY)
