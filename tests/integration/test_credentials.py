"""The device credential lives in the pinned keyring, never in the config or the database."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

import keyring
import pytest

from kiosk.config import Settings
from sync.credentials import CredentialStore, KeyringUnavailable, configure_keyring


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path) -> Path:
    """The terminal's data folder, there as on an enrolled terminal with its disk mounted."""
    data = tmp_path / "data"
    data.mkdir()
    return data


def test_file_backend_keeps_credential_under_data_dir_readable_by_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    settings = Settings(data_dir=tmp_path / "data", keyring_backend="file")
    configure_keyring(settings)
    CredentialStore().store_credential("secret-credential-0123456789")
    keyfile = tmp_path / "data" / "keyring.cfg"
    assert keyfile.exists()
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert CredentialStore().credential() == "secret-credential-0123456789"


def test_credential_survives_a_restart_of_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    configure_keyring(settings)
    CredentialStore().store_credential("kept-credential-0123456789")
    configure_keyring(settings)  # a new process pins a fresh backend on the same file
    assert CredentialStore().credential() == "kept-credential-0123456789"


def test_forgetting_the_credential_twice_is_harmless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    configure_keyring(Settings(data_dir=tmp_path / "data"))
    credentials = CredentialStore()
    credentials.store_credential("to-be-revoked-0123456789")
    credentials.forget_credential()
    credentials.forget_credential()
    assert credentials.credential() is None


def test_environment_override_wins_over_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    backend = configure_keyring(Settings(data_dir=tmp_path / "data", keyring_backend="file"))
    assert type(backend).__name__ == "PlaintextKeyring"
    assert keyring.get_keyring() is backend
    assert not (tmp_path / "data" / "keyring.cfg").exists()


def test_dotted_backend_name_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    name = "keyring.backends.null.Keyring"
    backend = configure_keyring(Settings(data_dir=tmp_path / "data", keyring_backend=name))
    assert keyring.get_keyring() is backend
    assert CredentialStore().credential() is None


def test_unknown_backend_is_an_operator_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    settings = Settings(data_dir=tmp_path / "data", keyring_backend="nowhere.NoSuchKeyring")
    with pytest.raises(KeyringUnavailable, match=r"nowhere\.NoSuchKeyring"):
        configure_keyring(settings)


def test_failing_keyring_is_reported_not_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    name = "keyring.backends.fail.Keyring"
    configure_keyring(Settings(data_dir=tmp_path / "data", keyring_backend=name))
    with pytest.raises(KeyringUnavailable, match="keyring_backend"):
        CredentialStore().credential()


KEYFILE_MODES: list[int] = []
_WATCHED: list[str] = []


def _record_keyfile_mode(event: str, args: tuple[object, ...]) -> None:
    # Runs before each open()/os.open()/os.chmod() of the process: the mode the keyring
    # file has at that moment, i.e. every mode it ever had between two file operations.
    if _WATCHED and event in ("open", "os.chmod") and args and str(args[0]) == _WATCHED[0]:
        with contextlib.suppress(FileNotFoundError):
            KEYFILE_MODES.append(stat.S_IMODE(os.stat(_WATCHED[0]).st_mode))


sys.addaudithook(_record_keyfile_mode)  # audit hooks cannot be removed: _WATCHED gates it


def test_keyring_file_is_never_readable_by_others_even_under_a_permissive_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    keyfile = tmp_path / "data" / "keyring.cfg"
    configure_keyring(Settings(data_dir=tmp_path / "data", keyring_backend="file"))
    previous = os.umask(0o000)
    KEYFILE_MODES.clear()
    _WATCHED.append(str(keyfile))
    try:
        CredentialStore().store_credential("secret-credential-0123456789")
        KEYFILE_MODES.append(stat.S_IMODE(keyfile.stat().st_mode))
    finally:
        _WATCHED.clear()
        os.umask(previous)
    assert KEYFILE_MODES, "the keyring file was never seen"
    assert {oct(mode) for mode in KEYFILE_MODES} == {oct(0o600)}


def test_file_keyring_does_not_create_a_missing_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    unmounted = tmp_path / "unmounted" / "kite"
    configure_keyring(Settings(data_dir=unmounted, keyring_backend="file"))
    assert CredentialStore().credential() is None
    with pytest.raises(KeyringUnavailable, match="does not exist"):
        CredentialStore().store_credential("secret-credential-0123456789")
    assert not unmounted.exists()
