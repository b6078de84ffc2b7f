"""Giving a test world more stamps than one family transfer allows (100 each)."""

from __future__ import annotations

import uuid

from tests.server.live import World, ok

MAX_TRANSFER = 100


def grant_stamps(world: World, stamps: int) -> None:
    """Transfer ``stamps`` to the world's first resident, in transfers of at most 100."""
    with world.family() as family:
        while stamps > 0:
            step = min(stamps, MAX_TRANSFER)
            ok(
                family.post(
                    "/v1/family/transfers",
                    json={
                        "idempotency_key": uuid.uuid4().hex,
                        "contact_id": world.resident.contact_id,
                        "stamps": step,
                    },
                )
            )
            stamps -= step
