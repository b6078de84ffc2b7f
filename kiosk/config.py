"""The terminal's configuration: one TOML file, overridable from the environment.

Where the file is: the ``--config`` flag, else ``KITE_CONFIG``, else
``/etc/kite/kite.toml`` (the kiosk image's place). A missing default file means
"all defaults"; a missing file that was named explicitly is an error.

Every key but ``mode`` can be overridden by an environment variable
``KITE_<KEY>`` (upper case), e.g. ``KITE_SERVER_URL``. Precedence: environment,
then file, then default. ``mode`` comes from the file only, and ``tablet`` only
from a root-owned one (:mod:`kiosk.mode`): nothing from outside turns the
kiosk's lockdown off.

Validation happens once, at start. A wrong key, type or value stops the program
with a message naming the key, the value and what is allowed (:class:`ConfigError`).
``docs/configuration.md`` documents every key; keep it in step with :class:`Settings`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from kiosk.errors import OperatorError
from kiosk.mode import decide_mode

log = logging.getLogger(__name__)

DEFAULT_CONFIG_PATH = Path("/etc/kite/kite.toml")
ENV_PREFIX = "KITE_"


class ConfigError(OperatorError):
    """The configuration cannot be used; the message says which key and why."""


class _EnvWithoutMode(EnvSettingsSource):
    """The ``KITE_*`` variables, less ``KITE_MODE``: the environment never picks the mode."""

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        values.pop("mode", None)
        return values


class Settings(BaseSettings):
    """Every configuration key of the terminal, with its default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, validate_default=True
    )

    server_url: str = Field(
        default="http://127.0.0.1:8470",
        description="Base URL of the central server: https://, or http:// on loopback only.",
    )
    ca_bundle: Path | None = Field(
        default=None, description="PEM file of CAs to trust for the server; system CAs if unset."
    )
    client_cert: Path | None = Field(
        default=None, description="PEM file with a client certificate and key (optional mTLS)."
    )
    facility_id: str = Field(
        default="demo",
        min_length=1,
        max_length=64,
        description="The facility this terminal serves.",
    )
    mode: Literal["kiosk", "tablet"] = Field(
        default="kiosk", description="kiosk: shared wall unit; tablet: issued device."
    )
    data_dir: Path = Field(
        default=Path("/var/lib/kite"), description="Where the database and its backups live."
    )
    keyring_backend: str = Field(
        default="systemd-creds",
        description=(
            "'systemd-creds', the only one accepted: secrets sealed under a key that "
            "systemd-creds keeps (TPM2 or host key); others are refused at start."
        ),
    )
    credential_file: Path = Field(
        default=Path("/etc/credstore.encrypted/kite-secrets"),
        description=(
            "The secrets key sealed by systemd-creds (kite-admin provision-secrets); the "
            "kiosk unit loads it with LoadCredentialEncrypted=."
        ),
    )
    language: Literal["en", "es"] = Field(
        default="en", description="Language shown before a resident picks one."
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    read_timeout_s: float = Field(default=30.0, gt=0, le=600)
    long_poll_s: int = Field(
        default=25, ge=0, le=120, description="How long a pull may wait on the server for news."
    )
    device_name: str = Field(
        default="", max_length=64, description="Human label shown to IT at enrollment."
    )
    credential_rotation_days: int = Field(
        default=30,
        ge=1,
        le=180,
        description=(
            "Days between rotations of the device credential (also rotated right after "
            "enrollment). Keep it well under the server's credential lifetime."
        ),
    )

    @field_validator("server_url")
    @classmethod
    def _url_is_https_or_loopback(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            host = urlsplit(value).hostname
        except ValueError as exc:
            raise ValueError(f"not a URL ({exc})") from None
        if not host:
            raise ValueError("names no server host")
        if value.startswith("http://") and not is_loopback(host):
            # Credentials, PINs and residents' messages would cross the network in clear.
            raise ValueError(
                f"plain http:// is allowed only for a server on this machine (loopback); "
                f"use https://{value[len('http://') :]} for {host}"
            )
        return value.rstrip("/")

    @field_validator("ca_bundle", "client_cert")
    @classmethod
    def _pem_file_exists(cls, value: Path | None) -> Path | None:
        # Caught at start: a wrong path would otherwise surface only as a TLS failure later.
        if value is not None and not value.is_file():
            raise ValueError(f"no such file {str(value)!r}; name an existing PEM file or unset it")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs (see load_settings); env wins over them.
        return (_EnvWithoutMode(settings_cls), init_settings)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "kite.db"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's host name) is this machine: ``localhost``, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def config_path(cli_value: str | None = None) -> tuple[Path, bool]:
    """Return the config file path and whether it was asked for explicitly."""
    if cli_value:
        return Path(cli_value), True
    env = os.environ.get("KITE_CONFIG")
    if env:
        return Path(env), True
    return DEFAULT_CONFIG_PATH, False


def _describe(error: dict[str, Any], path: Path) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    env_name = ENV_PREFIX + key.upper()
    from_env = env_name in os.environ and key != "mode"  # the mode is never read from it
    source = f"environment variable {env_name}" if from_env else str(path)
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(Settings.model_fields))
        return f"{source}: unknown key '{key}'. Known keys: {allowed}."
    value = error.get("input")
    return f"{source}: key '{key}' has value {value!r}: {error['msg']}."


def load_settings(path: Path | None = None, *, explicit: bool = False) -> Settings:
    """Read, merge and validate the configuration, or raise :class:`ConfigError`."""
    if path is None:
        path, explicit = config_path()
    values: dict[str, Any] = {}
    if path.exists():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"{path}: not valid TOML ({exc}). Fix the file and start again."
            ) from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from exc
    elif explicit:
        raise ConfigError(f"{path}: no such configuration file.")
    if os.environ.get(ENV_PREFIX + "MODE"):
        log.warning("KITE_MODE is ignored: the mode comes from the configuration file only")
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        lines = [_describe(dict(err), path) for err in exc.errors()]
        raise ConfigError("Configuration refused:\n  " + "\n  ".join(lines)) from None
    mode = decide_mode(settings.mode, path if path.exists() else None)
    return settings if mode == settings.mode else settings.model_copy(update={"mode": mode})
