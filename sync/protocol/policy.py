"""The facility policy document, as the server sends it in ``policy`` changes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sync.protocol.common import MAX_MESSAGE_CHARS, Cents, Id, Name, Reason, Stamps, WireModel

HourMinute = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]


class StampProduct(WireModel):
    """Stamps sold singly or in books, at the facility's price."""

    product_id: Id
    name: Name
    stamps: Annotated[int, Field(ge=1, le=1000)]
    price_cents: Cents


class OpeningHours(WireModel):
    """When the service is open on one weekday (0 = Monday), in the facility's time zone."""

    weekday: Annotated[int, Field(ge=0, le=6)]
    opens: HourMinute
    closes: HourMinute


class PolicyDocument(WireModel):
    """Everything the facility decides that a terminal must enforce or show."""

    facility_id: Id
    stamp_products: list[StampProduct] = Field(max_length=50)
    stamps_per_message: Stamps = 1
    max_message_chars: Annotated[int, Field(ge=1, le=MAX_MESSAGE_CHARS)] = MAX_MESSAGE_CHARS
    refund_on_reject: bool = True
    cod_allowed: bool = True
    hours: list[OpeningHours] = Field(default_factory=list, max_length=70)
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    session_cap_s: Annotated[int, Field(ge=60, le=86_400)] = 1800
    idle_kiosk_s: Annotated[int, Field(ge=15, le=3600)] = 120
    idle_tablet_s: Annotated[int, Field(ge=15, le=3600)] = 300
    idle_warning_s: Annotated[int, Field(ge=5, le=300)] = 15
    lockout_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    lockout_minutes: Annotated[int, Field(ge=1, le=10_080)] = 15
    messaging_suspended: bool = False
    suspended_reason: Reason | None = None
    #: (1.7) How many days the service keeps a message; None: the facility has not said.
    retention_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    #: (1.8) What the recipient of a COD reply pays to open it.
    cod_price_cents: Annotated[int, Field(ge=0, le=100_000)] = 99

    @classmethod
    def fields_since_minor(cls, minor: int) -> set[str]:
        """The fields a terminal of protocol minor ``minor`` cannot read (left out for it)."""
        return {f for f, since in FIELD_SINCE_MINOR.items() if minor < since}


#: The fields added after 1.0, by the minor that added them (a closed model refuses them
#: before: the server leaves them out for an older terminal).
FIELD_SINCE_MINOR = {"retention_days": 7, "cod_price_cents": 8}
