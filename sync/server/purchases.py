"""Stamp purchases from the debit account, at the facility's current prices."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sync.protocol import PurchaseResult, PurchaseStampsPayload
from sync.server.auth import DeviceIdentity
from sync.server.errors import Rejection
from sync.server.ledger import book, debit_data
from sync.server.policy import load_policy
from sync.server.scope import resident_for


def purchase_stamps(
    session: Session, device: DeviceIdentity, payload: PurchaseStampsPayload
) -> dict[str, Any]:
    resident = resident_for(session, device, payload.resident_id, lock=True)
    policy = load_policy(session, device.facility_id)
    product = next((p for p in policy.stamp_products if p.product_id == payload.product_id), None)
    if product is None:
        raise Rejection("unknown_product", product_id=payload.product_id)
    if product.stamps != payload.quantity or product.price_cents != payload.price_cents:
        raise Rejection("price_changed", stamps=product.stamps, price_cents=product.price_cents)
    entry = book(
        session,
        resident,
        "purchase",
        stamps=product.stamps,
        cents=-product.price_cents,
        memo=product.name,
        reference=payload.client_id,
    )
    return PurchaseResult(ledger=[entry], debit=debit_data(resident)).model_dump(mode="json")
