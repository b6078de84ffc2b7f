"""Family endpoints: contacts, messages (send, read, open COD), stamp transfers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from sync.server import family
from sync.server.auth import TokenIdentity, authenticate_family, database
from sync.server.db import Database
from sync.server.schemas import (
    FamilyChargeView,
    FamilyContactView,
    FamilyMessageAccepted,
    FamilyMessageRequest,
    FamilyMessageView,
    FamilyOpened,
    OpenRequest,
    TransferRequest,
    TransferResult,
)

# Each operation's error answers are written into the document by sync.server.openapi.
router = APIRouter(prefix="/v1/family", tags=["family"])
Db = Annotated[Database, Depends(database)]
Family = Annotated[TokenIdentity, Depends(authenticate_family)]


@router.get("/contacts")
def contacts(who: Family, db: Db) -> list[FamilyContactView]:
    with db.read() as session:
        return family.contacts(session, who)


@router.get("/charges")
def charges(who: Family, db: Db) -> list[FamilyChargeView]:
    """Every charge to the family's card and every refund, oldest first."""
    with db.read() as session:
        return family.charges(session, who)


@router.get("/messages")
def messages(who: Family, db: Db) -> list[FamilyMessageView]:
    with db.read() as session:
        return family.messages(session, who)


@router.post("/messages")
def send(body: FamilyMessageRequest, who: Family, db: Db) -> FamilyMessageAccepted:
    """Send a message to a resident (it enters review), optionally with a return stamp."""
    return FamilyMessageAccepted.model_validate(family.send(db, who, body))


@router.post("/messages/{message_id}/open")
def open_cod(message_id: str, body: OpenRequest, who: Family, db: Db) -> FamilyOpened:
    """Pay for a COD message (the policy's ``cod_price_cents``) and read it."""
    return FamilyOpened.model_validate(family.open_cod(db, who, message_id, body))


@router.post("/transfers")
def transfer(body: TransferRequest, who: Family, db: Db) -> TransferResult:
    """Give stamps to a resident (a ``transfer_in`` ledger entry)."""
    return TransferResult.model_validate(family.transfer(db, who, body))
