"""Resident sign-in on a device: the server checks the PIN and hands back an offline verifier.

``offline_verifier`` is an argon2id *encoded* hash (PHC string,
``$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>``) of the PIN's UTF-8 bytes,
with its own salt (never the server's own PIN hash). The terminal checks a PIN
offline with ``argon2.PasswordHasher().verify(offline_verifier, pin)``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sync.protocol.changes import ContactData, ResidentData
from sync.protocol.common import FacilityNumber, Id, Pin, WireModel


class SignInRequest(WireModel):
    """``POST /v1/sign-in``."""

    facility_number: FacilityNumber
    pin: Pin


class ResidentSession(WireModel):
    """(1.4) A resident's session on one device: the key that signs what he does there.

    The terminal keeps ``key`` (32 random bytes, 64 hex characters) in memory for
    the session only, and ends the session at the latest ``lifetime_s`` seconds
    after sign-in (a length, not a time: the terminal's clock may differ).
    """

    session_id: Id
    key: Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]
    lifetime_s: Annotated[int, Field(ge=60, le=7 * 24 * 3600)]


class SignInResponse(WireModel):
    """The resident, their contacts, and the verifier for offline sign-in."""

    resident: ResidentData
    contacts: list[ContactData] = Field(default_factory=list, max_length=1000)
    offline_verifier: Annotated[str, Field(min_length=20, max_length=256, pattern=r"^\$argon2id\$")]
    #: (1.4) The server session this sign-in opened: its key signs the resident's items.
    session: ResidentSession | None = None
    #: (1.4) The salt and costs of the resident's offline proof key (``sync.protocol.proofs``).
    proof_salt: Annotated[str, Field(min_length=20, max_length=160)] | None = None

    @classmethod
    def fields_since_minor(cls, minor: int) -> set[str]:
        """The fields a terminal of protocol minor ``minor`` cannot read (left out for it)."""
        return {"session", "proof_salt"} if minor < 4 else set()
