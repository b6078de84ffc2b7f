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
from sync.protocol.common import FacilityNumber, Pin, WireModel


class SignInRequest(WireModel):
    """``POST /v1/sign-in``."""

    facility_number: FacilityNumber
    pin: Pin


class SignInResponse(WireModel):
    """The resident, their contacts, and the verifier for offline sign-in."""

    resident: ResidentData
    contacts: list[ContactData] = Field(default_factory=list, max_length=1000)
    offline_verifier: Annotated[str, Field(min_length=20, max_length=256, pattern=r"^\$argon2id\$")]
