"""Test worlds on a reference server: one test's own corner of a facility.

:func:`build_world` makes, through the staff and family endpoints, a housing unit,
residents with PINs and balances, a family with approved contacts, and devices for
that unit enrolled by :func:`enroll_device`; :func:`add_facility` makes a facility
beside the demo one. Each takes the server first: ``LiveServer`` has them as its
methods ``world``, ``enroll_device`` and ``add_facility``, and
:mod:`tests.server.live` re-exports the dataclasses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from sync.server.db import Database
from sync.server.seed import seed_facility
from tests.server.wire import collection_secret, enroll_body, key, ok

if TYPE_CHECKING:
    from tests.server.live import LiveServer


@dataclass(frozen=True)
class Facility:
    """A facility beside the demo one (:meth:`LiveServer.add_facility`) and its staff token."""

    facility_id: str
    staff_token: str


@dataclass
class TestResident:
    __test__ = False  # not a pytest class

    resident_id: str
    facility_number: str
    pin: str
    contact_id: str


@dataclass
class World:
    """One test's corner of the facility (see :meth:`LiveServer.world`)."""

    server: LiveServer
    unit: str
    facility: Facility | None = None  # None: the demo facility
    family_id: str = ""
    family_token: str = ""
    residents: list[TestResident] = field(default_factory=list)
    devices: list[tuple[str, str]] = field(default_factory=list)  # (device_id, credential)

    @property
    def resident(self) -> TestResident:
        return self.residents[0]

    @property
    def credential(self) -> str:
        return self.devices[0][1]

    def terminal(self, index: int = 0, *, prove: bool = True) -> httpx.Client:
        """An HTTP client speaking as device ``index`` of this world (see ``LiveServer.client``)."""
        return self.server.client(self.devices[index][1], prove=prove)

    def family(self) -> httpx.Client:
        return self.server.family(self.family_token)

    def staff(self) -> httpx.Client:
        """The staff of this world's facility."""
        return self.server.staff(self.facility.staff_token if self.facility else None)


def add_facility(server: LiveServer) -> Facility:
    """A new, empty facility beside the demo one, with a staff token of its own.

    Made in-process by the seed function a deployment uses (there is no endpoint
    that creates facilities); the running server sees it at once.
    """
    facility = Facility(server.unique("fac"), f"kst_{uuid.uuid4().hex}")
    db = Database(server.database_url)
    try:
        seed_facility(db, facility.facility_id, "Another facility", facility.staff_token)
    finally:
        db.dispose()
    return facility


def enroll_device(
    server: LiveServer,
    units: list[str],
    device_id: str | None = None,
    facility: Facility | None = None,
) -> tuple[str, str]:
    """Request (code + secret), approve (staff, with the code) and collect (with the
    secret): returns (device_id, credential).

    The server remembers the code (``enroll_codes``) and the device's ID by credential
    (``device_ids``, for proving its pushes).
    """
    device_id = device_id or server.unique("dev")
    code, secret = uuid.uuid4().hex[:12], collection_secret()
    facility_id = facility.facility_id if facility else "demo"
    staff_token = facility.staff_token if facility else None
    server.enroll_codes[device_id] = code
    with server.client() as terminal, server.staff(staff_token) as staff:
        ok(terminal.post("/v1/enroll", json=enroll_body(device_id, code, secret, facility_id)))
        ok(
            staff.post(
                f"/v1/staff/devices/{device_id}/approve",
                json={"housing_units": units, "one_time_code": code},
            )
        )
        answer = ok(
            terminal.post(
                "/v1/enroll/collect",
                json={"device_id": device_id, "collection_secret": secret},
            )
        )
    assert answer["state"] == "approved"
    server.device_ids[answer["credential"]] = device_id
    return device_id, answer["credential"]


def build_world(
    server: LiveServer,
    residents: int = 1,
    debit_cents: int = 0,
    stamps: int = 0,
    devices: int = 1,
    *,
    facility: Facility | None = None,
    unit: str | None = None,
) -> World:
    """A fresh housing unit with its residents, a family contact each, and enrolled devices.

    In the demo facility unless ``facility`` (from :func:`add_facility`) is given;
    ``unit`` names the housing unit (a fresh unique ID by default).
    """
    unit = unit or server.unique("unit")
    world = World(server=server, unit=unit, facility=facility)
    with server.staff(facility.staff_token if facility else None) as staff:
        ok(staff.post("/v1/staff/housing-units", json={"unit_id": unit, "name": unit}))
        family = ok(
            staff.post(
                "/v1/staff/families",
                json={"idempotency_key": key(), "display_name": "Test family"},
            )
        )
        world.family_id, world.family_token = family["family_id"], family["token"]
        for i in range(residents):
            number = str(uuid.uuid4().int)[:9]
            pin = f"{1000 + i}"
            rid = ok(
                staff.post(
                    "/v1/staff/residents",
                    json={
                        "facility_number": number,
                        "display_name": f"Resident {i}",
                        "housing_unit": unit,
                        "pin": pin,
                    },
                )
            )["resident_id"]
            cid = ok(
                staff.post(
                    "/v1/staff/contacts",
                    json={
                        "idempotency_key": key(),
                        "resident_id": rid,
                        "family_id": world.family_id,
                        "display_name": f"Family of {i}",
                        "state": "approved",
                        "accepts_cod": True,
                    },
                )
            )["contact_id"]
            if debit_cents:
                ok(
                    staff.post(
                        f"/v1/staff/residents/{rid}/deposit",
                        json={"idempotency_key": key(), "cents": debit_cents},
                    )
                )
            world.residents.append(TestResident(rid, number, pin, cid))
            server.pins[rid] = (number, pin)
    if stamps:
        with server.family(world.family_token) as fam:
            for r in world.residents:
                ok(
                    fam.post(
                        "/v1/family/transfers",
                        json={
                            "idempotency_key": key(),
                            "contact_id": r.contact_id,
                            "stamps": stamps,
                        },
                    )
                )
    for _ in range(devices):
        world.devices.append(server.enroll_device([unit], facility=facility))
    return world
