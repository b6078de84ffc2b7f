"""The tests' secrets key, sealed by the real ``systemd-creds`` with a host key of their own.

``install()`` (from ``tests/conftest.py``, once per test process) makes a folder
holding a host key (``SYSTEMD_CREDENTIAL_SECRET``, which systemd-creds reads
instead of ``/var/lib/systemd/credential.secret``) and a credential sealed with
it, and points ``KITE_CREDENTIAL_FILE`` there: every terminal the tests start,
child processes included, finds its secrets key the way ``kite-admin`` does on a
terminal. Sealing costs about 10 ms, once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from sync.secrets_keyring import KEYRING_FILE, SecretsKeyring, load_secrets_key, seal_secrets_key

_folder: Path | None = None
_key: bytes | None = None


def install() -> None:
    """Seal this process's test secrets key and point the environment at it (idempotent)."""
    global _folder
    if _folder is not None:
        return
    inherited = os.environ.get("KITE_CREDENTIAL_FILE")
    if inherited and os.environ.get("SYSTEMD_CREDENTIAL_SECRET") and Path(inherited).is_file():
        _folder = Path(inherited).parent  # a child of a test process: its parent's key
        return
    _folder = Path(tempfile.mkdtemp(prefix="kite-creds-"))
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)  # its children end before it
    os.environ["SYSTEMD_CREDENTIAL_SECRET"] = str(_folder / "host.secret")
    credential = _folder / "kite-secrets.cred"
    seal_secrets_key(credential, with_key="host")
    os.environ["KITE_CREDENTIAL_FILE"] = str(credential)


def credential_file() -> Path:
    install()
    assert _folder is not None
    return Path(os.environ["KITE_CREDENTIAL_FILE"])


def secrets_key() -> bytes:
    """The test secrets key, unsealed once per process through systemd-creds."""
    global _key
    if _key is None:
        _key = load_secrets_key(credential_file())
    return _key


def keyring_of(data_dir: Path) -> SecretsKeyring:
    """The sealed keyring a terminal with this ``data_dir`` uses (to plant or read secrets)."""
    return SecretsKeyring(
        keyring_file=data_dir / KEYRING_FILE,
        credential_file=credential_file(),
        secrets_key=secrets_key(),
    )
