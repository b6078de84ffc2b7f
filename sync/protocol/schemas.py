"""The JSON Schema of every message of the protocol, written to ``docs/schemas``.

The wire models of this package are the one normative source: the reference
server's OpenAPI document (``/openapi.json``) and these files are both generated
from them. One file per message (``<Model>.json``, JSON Schema 2020-12, each
self-contained with its ``$defs``), including one per push item kind and per
change kind; ``index.json`` maps each endpoint's body and answer, each item kind
and each change kind to its file.

    python -m sync.protocol.schemas --write   # regenerate docs/schemas
    python -m sync.protocol.schemas --check   # exit 1 if docs/schemas is stale

``tests/unit/test_schemas.py`` runs ``--check``'s comparison, so a model changed
without its schema fails the suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sync.protocol import changes, common, enrollment, health, policy, push, reconcile, session

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Each endpoint of the terminal: (method, path) -> (request body, answer).
ENDPOINTS: dict[str, tuple[type[BaseModel] | None, type[BaseModel] | None]] = {
    "GET /v1/health": (None, common.Health),
    "POST /v1/enroll": (enrollment.EnrollRequest, enrollment.EnrollResponse),
    "POST /v1/enroll/collect": (enrollment.CollectRequest, enrollment.EnrollResponse),
    "POST /v1/device/rotate": (enrollment.RotateRequest, enrollment.RotateResponse),
    "POST /v1/device/health": (health.HealthReport, health.HealthAck),
    "POST /v1/sign-in": (session.SignInRequest, session.SignInResponse),
    "POST /v1/push": (push.PushRequest, push.PushResponse),
    "POST /v1/push/fate": (push.FateRequest, push.FateResponse),
    "GET /v1/changes": (None, changes.ChangesPage),
    "POST /v1/reconcile": (reconcile.ReconcileRequest, reconcile.ReconcileResponse),
    "GET /v1/policy": (None, policy.PolicyDocument),
}

#: Each push item kind: its typed item (envelope and payload) and its payload alone.
ITEM_KINDS: dict[str, type[BaseModel]] = {
    "send_message": push.SendMessageItem,
    "purchase_stamps": push.PurchaseStampsItem,
    "mark_read": push.MarkReadItem,
    "hide_message": push.HideMessageItem,
    "set_contact_blocked": push.SetContactBlockedItem,
    "set_language": push.SetLanguageItem,
    "audit": push.AuditItem,
}

#: Each change kind: its change (``{cursor, kind, data}``).
CHANGE_KINDS: dict[str, type[BaseModel]] = {
    "resident": changes.ResidentChange,
    "contact": changes.ContactChange,
    "message": changes.MessageChange,
    "message_status": changes.MessageStatusChange,
    "outbound_message": changes.OutboundMessageChange,
    "message_read": changes.MessageReadChange,
    "ledger_entry": changes.LedgerEntryChange,
    "debit_balance": changes.DebitBalanceChange,
    "policy": changes.PolicyChange,
    "device_command": changes.DeviceCommandChange,
}

#: Messages that travel inside others but have a file of their own as well.
PARTS: tuple[type[BaseModel], ...] = (
    common.ErrorBody,
    push.ItemResult,
    push.SendMessageResult,
    push.PurchaseResult,
    push.KeyFate,
    push.ResidentProof,
    *push.PAYLOAD_MODELS.values(),
    reconcile.ResidentSnapshot,
    session.ResidentSession,
)


def messages() -> list[type[BaseModel]]:
    """Every message with a file, each once, in a stable order."""
    seen: dict[str, type[BaseModel]] = {}
    pairs = [model for pair in ENDPOINTS.values() for model in pair if model is not None]
    for model in [*pairs, *ITEM_KINDS.values(), *CHANGE_KINDS.values(), *PARTS]:
        seen.setdefault(model.__name__, model)
    return list(seen.values())


def message_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON Schema (validation mode: what a receiver must accept)."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": f"{model.__name__}.json", **schema}


def index() -> dict[str, Any]:
    def name(model: type[BaseModel] | None) -> str | None:
        return None if model is None else f"{model.__name__}.json"

    return {
        "protocol": common.PROTOCOL_VERSION,
        "endpoints": {
            key: {"request": name(request), "response": name(answer)}
            for key, (request, answer) in ENDPOINTS.items()
        },
        "error": name(common.ErrorBody),
        "item_kinds": {kind: name(model) for kind, model in ITEM_KINDS.items()},
        "change_kinds": {kind: name(model) for kind, model in CHANGE_KINDS.items()},
    }


def render() -> dict[str, str]:
    """Every file of ``docs/schemas``: name -> text."""
    files = {f"{m.__name__}.json": _dump(message_schema(m)) for m in messages()}
    files["index.json"] = _dump(index())
    return files


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def stale(folder: Path = DEFAULT_DIR) -> list[str]:
    """The files of ``folder`` that differ from the models (missing, changed, or extra)."""
    wanted = render()
    present = {p.name for p in folder.glob("*.json")} if folder.is_dir() else set()
    wrong = [n for n, text in wanted.items() if _read(folder / n) != text]
    return sorted(wrong + [n for n in present if n not in wanted])


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def write(folder: Path = DEFAULT_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    wanted = render()
    for old in folder.glob("*.json"):
        if old.name not in wanted:
            old.unlink()
    for filename, text in wanted.items():
        (folder / filename).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.protocol.schemas", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the schema files")
    action.add_argument("--check", action="store_true", help="exit 1 if they are stale")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="default: docs/schemas")
    args = parser.parse_args(argv)
    if args.write:
        write(args.dir)
        return 0
    wrong = stale(args.dir)
    for filename in wrong:
        print(f"stale: {filename} (run python -m sync.protocol.schemas --write)", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
