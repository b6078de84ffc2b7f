"""Device identity on the wire: enrollment, credential collection and rotation."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sync.protocol.common import Id, Name, WireModel

#: The one-time code a terminal shows in its enrollment QR code.
OneTimeCode = Annotated[str, Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
#: A device credential: opaque to the terminal, kept in the OS keyring.
#: The terminal's collection secret (protocol 1.3): 256 random bits it keeps in its
#: keyring and never shows; only its holder may renew a pending request or collect.
CollectionSecret = Annotated[str, Field(min_length=32, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
Credential = Annotated[str, Field(min_length=20, max_length=200)]
EnrollState = Literal["pending", "approved", "revoked"]


class EnrollRequest(WireModel):
    """``POST /v1/enroll``: a terminal asks to be enrolled (idempotent).

    ``one_time_code`` is what the terminal shows (staff approve by confirming it);
    ``collection_secret`` it never shows: it renews the request and collects.
    """

    device_id: Id
    one_time_code: OneTimeCode
    collection_secret: CollectionSecret
    facility_id: Id
    device_name: Name


class CollectRequest(WireModel):
    """``POST /v1/enroll/collect``: a terminal asks whether staff approved it."""

    device_id: Id
    collection_secret: CollectionSecret


class EnrollResponse(WireModel):
    """Where an enrollment stands; ``credential`` only in the one answer that hands it over."""

    state: EnrollState
    credential: Credential | None = None
    housing_units: list[Id] = Field(default_factory=list, max_length=100)


class RotateRequest(WireModel):
    """``POST /v1/device/rotate``: the body is ``{}`` (the reference terminal sends it) or none."""


class RotateResponse(WireModel):
    """``POST /v1/device/rotate``: the new credential.

    The old credential keeps working until the new one is first used, so an
    answer lost on the way never locks the terminal out.
    """

    credential: Credential
