"""Kite's keyring backend: secrets sealed by ``systemd-creds``, no desktop session needed.

One random 32-byte key, the terminal's *secrets key*, is the only thing
``systemd-creds`` seals (``kite-admin provision-secrets``): with the TPM2 where
the terminal has one, with the host key (``/var/lib/systemd/credential.secret``)
otherwise. Everything else is derived from it or encrypted under it:

- the keyring file ``data_dir/keyring.enc``: the device credential, its date,
  and while enrolling the one-time code and the collection secret, as JSON
  sealed with AES-256-GCM. The running terminal rotates its credential, so
  these must be writable by the unprivileged kiosk user, which cannot seal
  with ``systemd-creds`` itself: the host key is root's (mode 0400) and so is
  the TPM2 device, and systemd 252 has no service that seals for other users;
- the store's SQLCipher key (:meth:`SecretsKeyring.store_key`).

Where the key comes from, first found wins:

1. ``$CREDENTIALS_DIRECTORY/kite-secrets``: the kiosk unit's
   ``LoadCredentialEncrypted=`` has systemd decrypt it at start into a private,
   non-swappable folder that only the service's user can read;
2. ``systemd-creds decrypt`` of ``credential_file`` (``kite-admin`` as root, and
   the tests, whose host key is a file of their own through
   ``SYSTEMD_CREDENTIAL_SECRET``).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

CREDENTIAL_NAME = "kite-secrets"  # the name systemd-creds seals into the credential
KEYRING_FILE = "keyring.enc"
KEY_BYTES = 32
_MAGIC = b"KITEKR1\x00"
_NONCE_BYTES = 12
SYSTEMD_CREDS = "systemd-creds"


class SecretsKeyUnavailable(KeyringError):
    """The secrets key cannot be had: not provisioned, or sealed for another machine."""


def new_secrets_key() -> str:
    """A fresh secrets key as the text ``systemd-creds`` seals (hex, no newline)."""
    return os.urandom(KEY_BYTES).hex()


def _parse_key(text: bytes, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SecretsKeyUnavailable(f"{where} does not hold a Kite secrets key")
    return key


def load_secrets_key(credential_file: Path) -> bytes:
    """The secrets key, from systemd's credentials folder or by decrypting ``credential_file``."""
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    if folder and (Path(folder) / CREDENTIAL_NAME).is_file():
        loaded = Path(folder) / CREDENTIAL_NAME
        return _parse_key(loaded.read_bytes(), str(loaded))
    if not credential_file.is_file():
        raise SecretsKeyUnavailable(
            f"no credential {CREDENTIAL_NAME!r}: {credential_file} does not exist and the "
            "service manager passed none. Provision it as root with "
            "'kite-admin provision-secrets' (IT guide, 'Secrets at rest')"
        )
    try:
        done = subprocess.run(
            [SYSTEMD_CREDS, "decrypt", f"--name={CREDENTIAL_NAME}", str(credential_file), "-"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except FileNotFoundError as exc:
        raise SecretsKeyUnavailable(
            f"{SYSTEMD_CREDS} is not installed (package systemd, version 250 or newer)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise SecretsKeyUnavailable(f"{SYSTEMD_CREDS} decrypt did not answer in 30 s") from exc
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise SecretsKeyUnavailable(
            f"{SYSTEMD_CREDS} cannot decrypt {credential_file} "
            f"({reason[-1] if reason else f'exit {done.returncode}'}): run as root, or it "
            "was sealed on another machine or with a TPM2 this one does not have"
        )
    return _parse_key(done.stdout, str(credential_file))


def _derive(secrets_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(
        secrets_key
    )


class SecretsKeyring(KeyringBackend):
    """The device's secrets in ``keyring_file``, sealed under a key from ``systemd-creds``.

    Each write replaces the file whole (a private copy, fsynced, renamed over it),
    so a kill or a power cut mid-rotation leaves the old secrets or the new ones.
    ``secrets_key`` is given only by code that already holds it (tests build it
    through ``systemd-creds`` once per session and pass it).
    """

    priority = 0  # never chosen by keyring's own discovery

    def __init__(
        self,
        keyring_file: Path | None = None,
        credential_file: Path | None = None,
        secrets_key: bytes | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.keyring_file = keyring_file or Path(KEYRING_FILE)
        self.credential_file = credential_file or Path("/etc/credstore.encrypted") / CREDENTIAL_NAME
        self._secrets_key = secrets_key
        self._lock = threading.RLock()

    def secrets_key(self) -> bytes:
        with self._lock:
            if self._secrets_key is None:
                self._secrets_key = load_secrets_key(self.credential_file)
            return self._secrets_key

    def store_key(self) -> bytes:
        """The store's SQLCipher key (derived: never written anywhere)."""
        return _derive(self.secrets_key(), b"kite store key v1")

    def _aead(self) -> AESGCM:
        return AESGCM(_derive(self.secrets_key(), b"kite keyring file v1"))

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            sealed = self.keyring_file.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise KeyringError(f"{self.keyring_file} cannot be read ({exc})") from exc
        if not sealed.startswith(_MAGIC) or len(sealed) < len(_MAGIC) + _NONCE_BYTES:
            raise KeyringError(f"{self.keyring_file} is not a Kite keyring file")
        nonce = sealed[len(_MAGIC) : len(_MAGIC) + _NONCE_BYTES]
        try:
            plain = self._aead().decrypt(nonce, sealed[len(_MAGIC) + _NONCE_BYTES :], _MAGIC)
        except InvalidTag as exc:
            raise KeyringError(
                f"{self.keyring_file} was sealed with another secrets key (or changed): "
                "enroll this terminal again"
            ) from exc
        data: dict[str, dict[str, str]] = json.loads(plain)
        return data

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        folder = self.keyring_file.parent
        if not folder.is_dir():
            raise KeyringError(
                f"the folder of {self.keyring_file} does not exist (is the data disk mounted?)"
            )
        nonce = os.urandom(_NONCE_BYTES)
        sealed = _MAGIC + nonce + self._aead().encrypt(nonce, json.dumps(data).encode(), _MAGIC)
        fd, scratch = tempfile.mkstemp(dir=folder, prefix=".keyring.")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(sealed)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(scratch, self.keyring_file)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(scratch)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            data = self._read()
            data.setdefault(service, {})[username] = password
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            data = self._read()
            if username not in data.get(service, {}):
                raise PasswordDeleteError(f"no {username!r} in {service!r}")
            del data[service][username]
            if not data[service]:
                del data[service]
            self._write(data)


def seal_secrets_key(
    credential_file: Path, with_key: str = "auto", *, key: bytes | None = None
) -> None:
    """Create ``credential_file``: a secrets key sealed by ``systemd-creds`` (root only).

    ``with_key``: systemd-creds' ``--with-key`` (``auto``: the TPM2 and the host
    key where there is a TPM2, the host key otherwise). ``key``: seal this one
    again (a reseal) instead of a new one.
    """
    credential_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    scratch = credential_file.with_name(f".{credential_file.name}.new")
    text = key.hex() if key is not None else new_secrets_key()
    try:
        done = subprocess.run(
            [
                SYSTEMD_CREDS,
                "encrypt",
                f"--name={CREDENTIAL_NAME}",
                f"--with-key={with_key}",
                "-",
                str(scratch),
            ],
            input=text.encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip()
            raise SecretsKeyUnavailable(f"{SYSTEMD_CREDS} encrypt failed: {reason}")
        os.chmod(scratch, 0o600)
        os.replace(scratch, credential_file)
    finally:
        scratch.unlink(missing_ok=True)
