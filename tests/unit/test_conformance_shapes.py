"""The conformance kit's field lists (sync/conformance/shapes.py) are the published schemas',
and its guesses are the ones docs/conformance.md lists.

The kit is written from the documents and imports nothing of the protocol package; this
test holds its hand-written shapes to ``docs/schemas`` so that a field the documents add
or drop cannot leave the kit tolerating or demanding the wrong thing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sync.conformance.guesses import BY_KEY
from sync.conformance.shapes import SHAPES

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"

#: kit shape -> the schema that describes it
SCHEMA_OF = {
    "health": "Health",
    "error": "ErrorDetail",
    "enroll": "EnrollResponse",
    "rotate": "RotateResponse",
    "health_ack": "HealthAck",
    "sign_in": "SignInResponse",
    "session": "ResidentSession",
    "push": "PushResponse",
    "item_result": "ItemResult",
    "fate_answer": "FateResponse",
    "key_fate": "KeyFate",
    "page": "ChangesPage",
    "change": "ResidentChange",
    "reconcile": "ReconcileResponse",
    "mismatch": "Mismatch",
    "snapshot": "ResidentSnapshot",
    "sent": "SendMessageResult",
    "bought": "PurchaseResult",
    "resident": "ResidentData",
    "contact": "ContactData",
    "message": "MessageData",
    "message_status": "MessageStatusData",
    "outbound_message": "OutboundMessageData",
    "message_read": "MessageReadData",
    "ledger_entry": "LedgerEntryData",
    "debit_balance": "DebitBalanceData",
    "policy": "PolicyDocument",
    "device_command": "DeviceCommandData",
}


def _definitions() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in SCHEMAS.glob("*.json"):
        if path.name != "index.json":
            schema = json.loads(path.read_text(encoding="utf-8"))
            found.update(schema.pop("$defs", {}))
            found[path.stem] = schema
    return found


def test_every_kit_shape_names_exactly_its_schemas_fields() -> None:
    definitions = _definitions()
    assert set(SCHEMA_OF) == set(SHAPES)
    for shape, name in SCHEMA_OF.items():
        required, optional = SHAPES[shape]
        schema = definitions[name]
        fields = set(schema["properties"])
        assert required | optional == fields, f"{shape} ({name}): kit {sorted(required | optional)}"
        assert set(schema.get("required", [])) <= required, f"{shape}: takes less than {name}"


def test_the_guesses_are_the_ones_docs_conformance_lists_and_the_kit_records() -> None:
    root = SCHEMAS.parents[1]
    page = (root / "docs" / "conformance.md").read_text(encoding="utf-8")
    section = page.split("## Guesses", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^- \*\*([a-z-]+)\*\*", section, re.MULTILINE))
    assert listed == set(BY_KEY), "docs/conformance.md's Guesses and guesses.py differ"
    source = "".join(
        p.read_text(encoding="utf-8") for p in (root / "sync" / "conformance").glob("*.py")
    )
    recorded = set(re.findall(r"guesses\.add\(\"([a-z-]+)\"\)", source))
    assert recorded <= set(BY_KEY), f"recorded but not in guesses.py: {recorded - set(BY_KEY)}"
