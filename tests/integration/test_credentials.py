"""The device credential lives in Kite's sealed keyring, never in the config or the database.

The keyring's key is unsealed by the real ``systemd-creds`` (with the tests' own
host key: ``tests/sealed.py``); other backends are refused at start, by name.
"""

from __future__ import annotations

import configparser
import os
import stat
import subprocess
from pathlib import Path

import keyring
import pytest

from kiosk.config import Settings
from sync.credentials import (
    CREDENTIAL_KEY,
    CREDENTIAL_SINCE_KEY,
    SERVICE,
    CredentialStore,
    KeyringUnavailable,
    configure_keyring,
    store_key,
)
from sync.secrets_keyring import SecretsKeyring, seal_secrets_key


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The terminal's data folder, there as on an enrolled terminal with its disk mounted."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    return data


def test_sealed_keyring_keeps_the_credential_encrypted_and_owner_only_under_data_dir(
    data_folder: Path,
) -> None:
    configure_keyring(Settings(data_dir=data_folder))
    previous = os.umask(0o000)
    try:
        CredentialStore().store_credential("secret-credential-0123456789")
    finally:
        os.umask(previous)
    sealed = data_folder / "keyring.enc"
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    assert b"secret-credential" not in sealed.read_bytes()
    assert CredentialStore().credential() == "secret-credential-0123456789"


def test_credential_survives_a_restart_of_the_backend(data_folder: Path) -> None:
    settings = Settings(data_dir=data_folder)
    configure_keyring(settings)
    CredentialStore().store_credential("kept-credential-0123456789")
    configure_keyring(settings)  # a new process pins a fresh backend on the same file
    assert CredentialStore().credential() == "kept-credential-0123456789"


def test_the_keyring_file_is_useless_with_another_terminals_secrets_key(
    data_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_keyring(Settings(data_dir=data_folder))
    CredentialStore().store_credential("secret-credential-0123456789")
    other = tmp_path / "other.cred"
    seal_secrets_key(other, with_key="host")
    monkeypatch.setenv("KITE_CREDENTIAL_FILE", str(other))  # the environment wins in Settings
    configure_keyring(Settings(data_dir=data_folder))
    with pytest.raises(KeyringUnavailable, match="another secrets key"):
        CredentialStore().credential()


def test_the_secrets_key_is_unsealed_by_systemd_creds_and_refused_with_another_host_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = tmp_path / "kite-secrets"
    seal_secrets_key(credential, with_key="host")
    assert b"kite-secrets" not in credential.read_bytes()  # sealed, not a plain key
    backend = SecretsKeyring(keyring_file=tmp_path / "data" / "k.enc", credential_file=credential)
    assert len(backend.store_key()) == 32
    # The same credential on another machine (another host key) opens nothing.
    monkeypatch.setenv("SYSTEMD_CREDENTIAL_SECRET", str(tmp_path / "another-host.secret"))
    subprocess.run(["systemd-creds", "setup"], check=True, capture_output=True)
    stranger = SecretsKeyring(keyring_file=tmp_path / "data" / "k.enc", credential_file=credential)
    with pytest.raises(KeyringUnavailable, match="cannot decrypt"):
        configure_keyring_and_key(stranger)


def configure_keyring_and_key(backend: SecretsKeyring) -> bytes:
    keyring.set_keyring(backend)
    return store_key(Settings())


def test_the_kiosk_reads_the_key_systemd_put_in_its_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = tmp_path / "credentials"
    loaded.mkdir()
    (loaded / "kite-secrets").write_text("ab" * 32)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(loaded))
    backend = SecretsKeyring(credential_file=tmp_path / "absent")
    assert backend.secrets_key() == bytes.fromhex("ab" * 32)


def test_no_provisioned_credential_names_the_command_that_provisions_it(
    data_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITE_CREDENTIAL_FILE", str(tmp_path / "none"))
    configure_keyring(Settings(data_dir=data_folder))
    assert CredentialStore().credential() is None  # nothing sealed yet: nothing to unseal
    with pytest.raises(KeyringUnavailable, match="kite-admin provision-secrets"):
        CredentialStore().store_credential("secret-credential-0123456789")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("file", "plain-text file"),
        ("system", "desktop session"),
        ("keyring.backends.SecretService.Keyring", "desktop session"),
        ("keyrings.alt.file.PlaintextKeyring", "plain-text file"),
        ("keyring.backends.null.Keyring", "keeps nothing"),
        ("nowhere.NoSuchKeyring", "accepts only its own systemd-creds backend"),
    ],
)
def test_other_backends_are_refused_at_start_naming_the_backend_and_the_fix(
    data_folder: Path, name: str, why: str
) -> None:
    with pytest.raises(KeyringUnavailable) as refused:
        configure_keyring(Settings(data_dir=data_folder, keyring_backend=name))
    text = str(refused.value)
    assert repr(name) in text and why in text
    assert 'keyring_backend = "systemd-creds"' in text


def test_the_operator_override_is_kept_for_the_accepted_backend_only(
    data_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "sync.secrets_keyring.SecretsKeyring")
    assert isinstance(configure_keyring(Settings(data_dir=data_folder)), SecretsKeyring)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    with pytest.raises(KeyringUnavailable, match="unset PYTHON_KEYRING_BACKEND"):
        configure_keyring(Settings(data_dir=data_folder))


def test_an_earlier_kites_plain_text_keyring_is_moved_in_and_deleted(data_folder: Path) -> None:
    legacy = data_folder / "keyring.cfg"
    from keyrings.alt.file import PlaintextKeyring

    old = PlaintextKeyring()
    old.file_path = str(legacy)
    old.set_password(SERVICE, CREDENTIAL_KEY, "old-credential-0123456789")
    old.set_password(SERVICE, CREDENTIAL_SINCE_KEY, "2026-11-01T00:00:00+00:00")
    assert configparser.ConfigParser().read(legacy)

    configure_keyring(Settings(data_dir=data_folder))

    assert not legacy.exists()
    assert CredentialStore().credential() == "old-credential-0123456789"
    assert CredentialStore().credential_since() is not None


def test_forgetting_the_credential_twice_is_harmless(data_folder: Path) -> None:
    configure_keyring(Settings(data_dir=data_folder))
    credentials = CredentialStore()
    credentials.store_credential("to-be-revoked-0123456789")
    credentials.forget_credential()
    credentials.forget_credential()
    assert credentials.credential() is None


def test_sealed_keyring_does_not_create_a_missing_data_folder(tmp_path: Path) -> None:
    unmounted = tmp_path / "unmounted" / "kite"
    configure_keyring(Settings(data_dir=unmounted))
    assert CredentialStore().credential() is None
    with pytest.raises(KeyringUnavailable, match="does not exist"):
        CredentialStore().store_credential("secret-credential-0123456789")
    assert not unmounted.exists()


def test_kite_admin_provisions_the_secrets_key_once_and_reseals_the_same_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync import admin
    from sync.secrets_keyring import load_secrets_key

    sealed_file = tmp_path / "credstore" / "kite-secrets"
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    monkeypatch.setenv("KITE_CREDENTIAL_FILE", str(sealed_file))
    assert admin.main(["--config", str(config), "provision-secrets", "--with-key=host"]) == 0
    first = load_secrets_key(sealed_file)
    assert stat.S_IMODE(sealed_file.stat().st_mode) == 0o600
    assert admin.main(["--config", str(config), "provision-secrets", "--with-key=host"]) == 0
    assert load_secrets_key(sealed_file) == first  # provisioned already: kept
    before = sealed_file.read_bytes()
    assert admin.main(["--config", str(config), "provision-secrets", "--reseal"]) == 0
    assert sealed_file.read_bytes() != before and load_secrets_key(sealed_file) == first
