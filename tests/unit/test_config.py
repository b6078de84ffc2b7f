"""The configuration file: defaults, environment overrides, and refusals that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, config_path, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kite.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_means_all_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.toml", explicit=False)
    assert settings.mode == "kiosk"
    assert settings.language == "en"
    assert settings.database_path == Path("/var/lib/kite/kite.db")


def test_missing_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", explicit=True)


def test_file_values_are_used(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'server_url = "https://central.example/"\nmode = "tablet"\n'
        f'data_dir = "{tmp_path / "data"}"\nlanguage = "es"\nlong_poll_s = 10\n',
    )
    settings = load_settings(path, explicit=True)
    assert settings.server_url == "https://central.example"
    assert settings.mode == "tablet"
    assert settings.language == "es"
    assert settings.long_poll_s == 10
    assert settings.database_path == tmp_path / "data" / "kite.db"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'language = "es"\nread_timeout_s = 3\n')
    monkeypatch.setenv("KITE_LANGUAGE", "en")
    monkeypatch.setenv("KITE_READ_TIMEOUT_S", "12.5")
    settings = load_settings(path, explicit=True)
    assert settings.language == "en"
    assert settings.read_timeout_s == 12.5


def test_unknown_key_is_refused_by_name_with_the_known_keys(tmp_path: Path) -> None:
    path = write(tmp_path, 'sever_url = "http://x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, explicit=True)
    message = str(caught.value)
    assert "unknown key 'sever_url'" in message
    assert "server_url" in message


def test_wrong_value_names_key_value_and_what_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, 'mode = "kisok"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, explicit=True)
    message = str(caught.value)
    assert "'mode'" in message and "'kisok'" in message
    assert "'kiosk' or 'tablet'" in message


def test_wrong_type_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, 'connect_timeout_s = "soon"\n')
    with pytest.raises(ConfigError, match="connect_timeout_s"):
        load_settings(path, explicit=True)


def test_out_of_range_timeout_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "long_poll_s = 900\n")
    with pytest.raises(ConfigError, match="long_poll_s"):
        load_settings(path, explicit=True)


def test_server_url_without_scheme_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, 'server_url = "central.example"\n')
    with pytest.raises(ConfigError, match="http:// or https://"):
        load_settings(path, explicit=True)


def test_broken_toml_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "mode = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, explicit=True)


def test_config_path_prefers_flag_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITE_CONFIG", str(tmp_path / "env.toml"))
    assert config_path("/flag.toml") == (Path("/flag.toml"), True)
    assert config_path(None) == (tmp_path / "env.toml", True)
    monkeypatch.delenv("KITE_CONFIG")
    assert config_path(None) == (Path("/etc/kite/kite.toml"), False)


def test_bad_environment_override_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITE_LANGUAGE", "klingon")
    with pytest.raises(ConfigError, match="environment variable KITE_LANGUAGE"):
        load_settings(write(tmp_path, ""), explicit=True)


def test_every_key_is_documented_and_the_example_file_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.config import Settings

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [key for key in Settings.model_fields if f"`{key}`" not in doc]
    assert not missing, f"docs/configuration.md does not document {missing}"
    # The example names the image's CA file, which must exist; this machine has none there.
    ca = tmp_path / "central-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    monkeypatch.setenv("KITE_CA_BUNDLE", str(ca))
    example = load_settings(root / "packaging" / "kite.toml.example", explicit=True)
    assert example.facility_id == "facility-01"


@pytest.mark.parametrize("key", ["ca_bundle", "client_cert"])
def test_missing_tls_file_is_refused_at_start_naming_key_and_path(tmp_path: Path, key: str) -> None:
    absent = tmp_path / "no-such-ca.pem"
    path = write(tmp_path, f'{key} = "{absent}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, explicit=True)
    message = str(caught.value)
    assert f"key '{key}'" in message
    assert f"no such file '{absent}'" in message


def test_existing_tls_files_are_accepted(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    path = write(tmp_path, f'ca_bundle = "{ca}"\nclient_cert = "{ca}"\n')
    settings = load_settings(path, explicit=True)
    assert settings.ca_bundle == ca
    assert settings.client_cert == ca
