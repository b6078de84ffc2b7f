"""``/etc/kite/update.toml``: the pinned release key and how a new release is tried.

Only a file root owns and no one else may write is read: whoever could write it
could pin their own key. Unknown keys and bad values are refused by name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.mode import untrusted_because
from sync.update import UpdateError
from sync.update.signing import load_public_key

DEFAULT_PATH = Path("/etc/kite/update.toml")


class UpdateSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # base64 of the raw 32-byte Ed25519 public key ('kite-update keygen' prints it)
    public_key: str = ""
    # seconds the new release has for its self-test, and then to report READY
    ready_timeout: float = Field(default=120.0, gt=0)
    # where the releases and the 'current' and 'previous' links are
    install_dir: Path = Path("/opt/kite")
    # the updater's own records (what the last update replaced, the store backup it took)
    state_dir: Path = Path("/var/lib/kite-update")
    # the terminal's configuration: the new release is tried with it, and it names the store
    kite_config: Path = Path("/etc/kite/kite.toml")
    # the user the new release is tried as (the kiosk session's); "" runs it as the updater
    run_as: str = "kite"
    # the systemd unit stopped for the switch and started after; "" when there is none
    service: str = "kite-kiosk.service"

    path: Path = Field(default=DEFAULT_PATH, exclude=True)

    def release_key(self) -> Ed25519PublicKey:
        return load_public_key(self.public_key, str(self.path))


def load(path: Path = DEFAULT_PATH) -> UpdateSettings:
    problem = untrusted_because(path)
    if problem is not None:
        raise UpdateError(
            f"{problem}: the updater only trusts a file root alone can write, since it pins "
            f"the release key. Fix it with 'chown root:root {path} && chmod 0644 {path}'."
        )
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UpdateError(f"Cannot read {path}: {exc}.") from exc
    if "path" in values:
        raise UpdateError(f"{path} has bad settings: path: Extra inputs are not permitted.")
    try:
        return UpdateSettings(**values, path=path)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
        )
        raise UpdateError(f"{path} has bad settings: {problems}.") from exc
