"""The device credential lives in the pinned keyring, never in the config or the database."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring
import pytest

from kiosk.config import Settings
from sync.credentials import CredentialStore, KeyringUnavailable, configure_keyring


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
