"""The answers' shapes as ``docs/protocol.md`` lists them, checked strictly.

The page says every body is validated strictly and unknown fields are refused, so
the independent client refuses an answer with a field the page does not name (unless
a guess in :mod:`sync.conformance.guesses` tolerates it, which the run then reports)
and one that lacks a field the page names (even where the JSON Schema, written for
readers, leaves a field with a default out of ``required``: ``ItemResult.memo``, the
enroll answer's ``credential`` and ``housing_units``).
"""

from __future__ import annotations

from typing import Any

# name -> (fields always present, fields that may be absent or null)
SHAPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def _shape(name: str, required: str, optional: str = "") -> None:
    SHAPES[name] = (frozenset(required.split()), frozenset(optional.split()))


_shape("health", "status protocol_major server_time")
_shape("error", "code message", "params")
_shape("enroll", "state credential housing_units")
_shape("rotate", "credential")
_shape("health_ack", "next_report_s")
_shape("sign_in", "resident contacts offline_verifier session proof_salt")
_shape("session", "session_id key lifetime_s")
_shape("push", "results")
_shape("item_result", "idempotency_key outcome memo", "original_outcome reason params result")
_shape("fate_answer", "fates")
_shape("key_fate", "idempotency_key fate answer")
_shape("page", "changes next_cursor has_more")
_shape("change", "cursor kind data")
_shape("reconcile", "mismatches snapshots")
_shape("mismatch", "resident_id field terminal server")
_shape(
    "snapshot",
    "resident contacts stamps debit_cents ledger messages statuses cursor as_of",
    "outbound reads",
)
_shape("sent", "message_id status ledger")
_shape("bought", "ledger debit")
_shape(
    "resident",
    "resident_id facility_number display_name housing_unit language restricted_until "
    "restriction_reason",
)
_shape("contact", "contact_id resident_id display_name relationship state accepts_cod state_reason")
_shape(
    "message",
    "message_id resident_id contact_id body media has_return_stamp approved_at",
)
_shape("message_status", "message_id client_id resident_id status reason at")
_shape(
    "outbound_message",
    "message_id client_id resident_id contact_id body payment stamps in_reply_to written_at "
    "status reason timeline hidden",
)
_shape("message_read", "message_id resident_id read_at")
_shape("ledger_entry", "entry_id resident_id kind stamps cents memo reference booked_at")
_shape("debit_balance", "resident_id cents as_of")
_shape(
    "policy",
    "facility_id stamp_products stamps_per_message max_message_chars refund_on_reject "
    "cod_allowed hours timezone session_cap_s idle_kiosk_s idle_tablet_s idle_warning_s "
    "lockout_attempts lockout_minutes messaging_suspended suspended_reason retention_days "
    "cod_price_cents",
)
_shape("device_command", "command")

CHANGE_KINDS = frozenset(
    [
        "resident",
        "contact",
        "message",
        "message_status",
        "outbound_message",
        "message_read",
        "ledger_entry",
        "debit_balance",
        "policy",
        "device_command",
    ]
)

#: shape -> {undocumented field: the guess that tolerates it}; none since protocol 1.6
#: documents `memo` and the enroll answer's `credential` and `housing_units`
TOLERATED: dict[str, dict[str, str]] = {}


class ShapeError(Exception):
    """An answer that is not what the documents describe."""


def conform(name: str, value: Any, guesses: set[str], where: str = "") -> dict[str, Any]:
    """``value`` as the object ``name`` describes, or :class:`ShapeError`; records guesses used."""
    where = where or name
    if not isinstance(value, dict):
        raise ShapeError(f"{where}: not an object: {value!r:.200}")
    required, optional = SHAPES[name]
    missing = required - value.keys()
    if missing:
        raise ShapeError(f"{where}: lacks {sorted(missing)}")
    extra = value.keys() - required - optional
    for field in sorted(extra):
        guess = TOLERATED.get(name, {}).get(field)
        if guess is None:
            raise ShapeError(f"{where}: field {field!r} is not in the documents")
        guesses.add(guess)
    checked: dict[str, Any] = value
    return checked


def conform_change(change: Any, guesses: set[str]) -> dict[str, Any]:
    """A feed change, its ``data`` checked by its kind."""
    checked = conform("change", change, guesses)
    kind = checked["kind"]
    if kind not in CHANGE_KINDS:
        raise ShapeError(f"change kind {kind!r} is not in the documents")
    if not isinstance(change["cursor"], str):
        raise ShapeError(f"change cursor {change['cursor']!r} is not a string")
    conform(kind, checked["data"], guesses, f"{kind} change data")
    return checked


def conform_snapshot(snapshot: Any, guesses: set[str]) -> dict[str, Any]:
    checked = conform("snapshot", snapshot, guesses)
    conform("resident", snapshot["resident"], guesses, "snapshot resident")
    for part, shape in (
        ("contacts", "contact"),
        ("ledger", "ledger_entry"),
        ("messages", "message"),
        ("statuses", "message_status"),
        ("outbound", "outbound_message"),
        ("reads", "message_read"),
    ):
        for entry in snapshot.get(part) or []:
            conform(shape, entry, guesses, f"snapshot {part}")
    return checked
