"""The device credential in Kite's keyring, and pinning that keyring for the process.

The credential never touches the config file or the database. On a headless
kiosk image keyring's default backend is ``fail`` (every call raises), so the
backend is chosen in code at start, and only one is accepted:
``keyring_backend = "systemd-creds"``, :class:`sync.secrets_keyring.SecretsKeyring`
(secrets sealed under a key that ``systemd-creds`` keeps, with the TPM2 where
there is one). It also gives the store its SQLCipher key (:func:`store_key`).

Any other backend is refused at start with :class:`KeyringUnavailable`, naming
it and the fix: ``file`` kept the credential in plain text, ``system`` and the
Secret Service need a desktop session and someone to unlock them, ``fail`` and
``null`` keep nothing. ``PYTHON_KEYRING_BACKEND`` in the environment still wins
over the configuration, for an operator, but only with a backend Kite accepts.

A terminal of an earlier Kite kept its secrets in ``data_dir/keyring.cfg``
(keyrings.alt, plain text): the first start with the sealed keyring moves them
in and deletes that file.
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime
from pathlib import Path

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError
from keyrings.alt.file import PlaintextKeyring

from kiosk.config import Settings
from kiosk.errors import OperatorError
from sync.secrets_keyring import KEYRING_FILE as SEALED_KEYRING_FILE
from sync.secrets_keyring import SecretsKeyring

SERVICE = "kite-terminal"
CREDENTIAL_KEY = "device_credential"
CREDENTIAL_SINCE_KEY = "device_credential_since"  # when it was collected or rotated in
ENROLLMENT_KEY = "enrollment_code"
SECRET_KEY = "enrollment_collection_secret"
KEYRING_FILE = "keyring.cfg"  # the plain-text keyring of earlier Kites (moved in, then deleted)
ACCEPTED = ("systemd-creds", f"{SecretsKeyring.__module__}.{SecretsKeyring.__qualname__}")


class KeyringUnavailable(OperatorError):
    """The configured keyring backend cannot be loaded or used."""


def _why_refused(name: str) -> str:
    lowered = name.lower()
    if lowered == "file" or "plaintext" in lowered or "keyrings.alt" in lowered:
        return "it keeps the device credential in a plain-text file"
    if lowered == "system" or "secretservice" in lowered or "libsecret" in lowered:
        return "it needs a desktop session and someone to unlock it, which a kiosk has not"
    if "kwallet" in lowered or "macos" in lowered or "windows" in lowered:
        return "it needs a desktop session (or another operating system)"
    if lowered.endswith(("fail.keyring", "null.keyring")):
        return "it keeps nothing"
    return "Kite accepts only its own systemd-creds backend"


def configure_keyring(settings: Settings, *, move_plaintext: bool = True) -> SecretsKeyring:
    """Pin Kite's sealed keyring for this process and return it; refuse any other backend.

    ``move_plaintext``: move an earlier Kite's plain-text secrets in (see the module
    docstring); ``kite-admin doctor``, which changes nothing, passes False.
    """
    override = os.environ.get("PYTHON_KEYRING_BACKEND")
    name = override or settings.keyring_backend
    if name not in ACCEPTED:
        where = "PYTHON_KEYRING_BACKEND" if override else "keyring_backend in the configuration"
        fix = (
            "unset PYTHON_KEYRING_BACKEND"
            if override
            else 'set keyring_backend = "systemd-creds" (the default) or remove the line'
        )
        raise KeyringUnavailable(
            f"keyring backend {name!r} ({where}) is refused: {_why_refused(name)}. To fix: "
            f"{fix}, and provision the secrets key as root with 'kite-admin "
            "provision-secrets' if it is not (IT guide, 'Secrets at rest')."
        )
    data_dir = Path(settings.data_dir)
    backend = SecretsKeyring(
        keyring_file=data_dir / SEALED_KEYRING_FILE, credential_file=Path(settings.credential_file)
    )
    keyring.set_keyring(backend)
    if move_plaintext and (data_dir / KEYRING_FILE).is_file():
        move_plaintext_secrets(settings, backend)
    return backend


def store_key(settings: Settings) -> bytes:
    """The store's SQLCipher key, from the sealed keyring (KeyringUnavailable if none)."""
    backend = keyring.get_keyring()
    if not isinstance(backend, SecretsKeyring):
        backend = configure_keyring(settings)
    try:
        return backend.store_key()
    except KeyringError as exc:
        raise KeyringUnavailable(
            f"the store's key cannot be had ({exc}). Kite cannot open its encrypted database."
        ) from exc


def move_plaintext_secrets(settings: Settings, backend: KeyringBackend) -> int:
    """Move an earlier Kite's ``keyring.cfg`` secrets into ``backend``, then delete it.

    Returns how many secrets moved. A secret already in ``backend`` is kept (it is
    newer: written after the move of an earlier start that was cut short).
    """
    legacy = Path(settings.data_dir) / KEYRING_FILE
    if not legacy.is_file():
        return 0
    old = PlaintextKeyring()
    old.file_path = str(legacy)
    moved = 0
    try:
        with _KEYRING_LOCK:
            for key in (CREDENTIAL_KEY, CREDENTIAL_SINCE_KEY, ENROLLMENT_KEY, SECRET_KEY):
                value = old.get_password(SERVICE, key)
                if value is not None and backend.get_password(SERVICE, key) is None:
                    backend.set_password(SERVICE, key, value)
                    moved += 1
    except KeyringError as exc:
        raise KeyringUnavailable(
            f"moving the secrets of {legacy} into the sealed keyring failed ({exc}); "
            "the plain file is kept. Check that the secrets key is provisioned."
        ) from exc
    legacy.unlink()
    directory = os.open(legacy.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return moved


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
