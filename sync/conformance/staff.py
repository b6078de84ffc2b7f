"""The staff and family side the scenarios need, as ``docs/server.md`` documents it.

The kit builds its own corner of the facility through the staff endpoints (a housing
unit, residents with PINs, a family with approved contacts, money and stamps), so it
touches nothing a facility already holds and runs again on the same server. A server
whose staff side differs can still have devices approved out of band
(``--approve-command``): a shell command given the device ID, its one-time code and
the housing units.
"""

from __future__ import annotations

import shlex
import subprocess
import uuid
from dataclasses import dataclass, field
from typing import Any

from sync.conformance.client import Terminal, Wire, key


@dataclass(frozen=True)
class Options:
    """What the kit needs to know of the server under test (``kite-central conformance``)."""

    url: str
    staff_token: str
    facility_id: str = "demo"
    #: (family ID, its token): a family of the facility; default: one the kit creates
    family: tuple[str, str] | None = None
    approve_command: str | None = None  # e.g. "kite-central approve-device {device_id} ..."
    verify: bool | str = True
    examples: int = 10  # schemathesis examples per operation and mode (0: skip)
    scenarios: tuple[str, ...] = ()  # () = all


@dataclass
class Resident:
    resident_id: str
    number: str
    pin: str
    contact_id: str


@dataclass
class World:
    """The kit's corner of the facility: a unit, its residents, a family and its token."""

    run: str
    unit: str
    other_unit: str
    family_id: str
    family_token: str
    residents: list[Resident] = field(default_factory=list)
    outsider: Resident | None = None  # a resident of ``other_unit``


class Staff:
    def __init__(self, wire: Wire, options: Options) -> None:
        self.wire, self.options = wire, options

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.wire.call(
            method, path, token=self.options.staff_token, body=body, terminal=False, **kwargs
        )

    def family(self, token: str, method: str, path: str, body: Any = None) -> Any:
        return self.wire.call(method, path, token=token, body=body, terminal=False)

    def approve(self, terminal: Terminal, units: list[str], code: str | None = None) -> Any:
        """Approve ``terminal``'s enrollment for ``units`` by its one-time code."""
        code = terminal.code if code is None else code
        if self.options.approve_command:
            command = self.options.approve_command.format(
                device_id=shlex.quote(terminal.device_id),
                code=shlex.quote(code),
                units=shlex.quote(",".join(units)),
            )
            done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"approve command failed: {done.stderr.strip()[-500:]}")
            return None
        body = {"housing_units": units, "one_time_code": code}
        return self.call("POST", f"/v1/staff/devices/{terminal.device_id}/approve", body)

    def enrolled(self, units: list[str]) -> Terminal:
        """A new terminal, enrolled, approved for ``units``, collected and rotated once."""
        terminal = Terminal(self.wire)
        terminal.enroll(self.options.facility_id)
        self.approve(terminal, units)
        answer = terminal.collect()
        if answer["state"] != "approved":
            raise AssertionError(f"collect after approval answered {answer}")
        terminal.rotate()
        return terminal

    def build_world(self, residents: int = 5) -> World:
        run = f"cf{uuid.uuid4().hex[:10]}"
        unit, other = f"{run}-unit", f"{run}-other"
        for unit_id in (unit, other):
            self.call("POST", "/v1/staff/housing-units", {"unit_id": unit_id, "name": unit_id})
        if self.options.family is not None:
            family_id, token = self.options.family
        else:
            made = self.call(
                "POST",
                "/v1/staff/families",
                {"idempotency_key": key(), "display_name": "Conformance family"},
            )
            family_id, token = made["family_id"], made["token"]
        world = World(run, unit, other, family_id, token)
        for index in range(residents + 1):
            resident = self.add_resident(world, other if index == residents else unit, index)
            if index == residents:
                world.outsider = resident
            else:
                world.residents.append(resident)
        return world

    def add_resident(self, world: World, unit: str, index: int) -> Resident:
        number = str(uuid.uuid4().int)[:10]
        pin = f"{4000 + index}"
        body = {
            "facility_number": number,
            "display_name": f"Conformance resident {index}",
            "housing_unit": unit,
            "pin": pin,
        }
        resident_id = str(self.call("POST", "/v1/staff/residents", body)["resident_id"])
        contact_id = self.call(
            "POST",
            "/v1/staff/contacts",
            {
                "idempotency_key": key(),
                "resident_id": resident_id,
                "family_id": world.family_id,
                "display_name": f"Family of {index}",
                "state": "approved",
                "accepts_cod": True,
            },
        )["contact_id"]
        return Resident(resident_id, number, pin, str(contact_id))

    def deposit(self, resident: Resident, cents: int) -> Any:
        body = {"idempotency_key": key(), "cents": cents}
        return self.call("POST", f"/v1/staff/residents/{resident.resident_id}/deposit", body)

    def give_stamps(self, world: World, resident: Resident, stamps: int) -> Any:
        body = {"idempotency_key": key(), "contact_id": resident.contact_id, "stamps": stamps}
        return self.family(world.family_token, "POST", "/v1/family/transfers", body)

    def family_message(self, world: World, resident: Resident, body: str) -> str:
        sent = self.family(
            world.family_token,
            "POST",
            "/v1/family/messages",
            {"idempotency_key": key(), "contact_id": resident.contact_id, "body": body},
        )
        return str(sent["message_id"])

    def review(self, message_id: str, decision: str, reason: str | None = None) -> Any:
        body = {"decision": decision, "reason": reason}
        return self.call("POST", f"/v1/staff/review/{message_id}", body)

    def queue(self, resident: Resident) -> list[dict[str, Any]]:
        found = self.call("GET", "/v1/staff/review", params={"resident_id": resident.resident_id})
        return list(found)

    def move(self, resident: Resident, unit: str) -> Any:
        body = {"housing_unit": unit}
        return self.call("POST", f"/v1/staff/residents/{resident.resident_id}/housing-unit", body)

    def balances(self, resident: Resident) -> tuple[int, int]:
        rows = self.call("GET", "/v1/staff/residents")
        row = next(r for r in rows if r["resident_id"] == resident.resident_id)
        return int(row["stamps"]), int(row["debit_cents"])
