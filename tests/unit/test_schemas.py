"""docs/schemas is what the wire models say, and says what the server does with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema_rs import Draft202012Validator, meta

from sync.protocol import schemas
from sync.protocol.push import PAYLOAD_MODELS

FOLDER = schemas.DEFAULT_DIR


def test_the_committed_schemas_are_the_models_own() -> None:
    """A model changed without ``python -m sync.protocol.schemas --write`` fails here."""
    assert schemas.stale() == []


def test_check_names_a_stale_file(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "PushRequest.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "Leftover.json").write_text("{}\n", encoding="utf-8")
    assert schemas.stale(tmp_path) == ["Leftover.json", "PushRequest.json"]
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 1


def _validator(filename: str) -> Draft202012Validator:
    schema = json.loads((FOLDER / filename).read_text(encoding="utf-8"))
    meta.validate(schema)
    return Draft202012Validator(schema, validate_formats=True)


def test_every_file_is_a_valid_json_schema_and_the_index_names_only_files() -> None:
    index = json.loads((FOLDER / "index.json").read_text(encoding="utf-8"))
    named = {index["error"]}
    for pair in index["endpoints"].values():
        named |= {v for v in pair.values() if v}
    named |= set(index["item_kinds"].values()) | set(index["change_kinds"].values())
    assert named <= {p.name for p in FOLDER.glob("*.json")}
    assert set(index["item_kinds"]) == set(PAYLOAD_MODELS)
    for path in FOLDER.glob("*.json"):
        if path.name != "index.json":
            _validator(path.name)


ITEM = {"idempotency_key": "0" * 32, "seq": 1, "proof": None}
READ = {"resident_id": "res-1", "message_id": "msg-1", "read_at": "2026-12-03T20:00:00Z"}


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"items": [ITEM | {"kind": "mark_read", "payload": READ}]}, True),
        # the payload is the kind's: a purchase's payload under mark_read is not
        ({"items": [ITEM | {"kind": "mark_read", "payload": {"quantity": 1}}]}, False),
        ({"items": [ITEM | {"kind": "steal", "payload": READ}]}, False),
        ({"items": [ITEM | {"kind": "mark_read", "payload": READ | {"x": 1}}]}, False),
        ({"items": [ITEM | {"kind": "mark_read", "payload": READ, "seq": 2**62 + 1}]}, False),
        # times are RFC 3339 with a zone and nothing else
        (
            {
                "items": [
                    ITEM | {"kind": "mark_read", "payload": READ | {"read_at": "20271231T080000Z"}}
                ]
            },
            False,
        ),
        (
            {
                "items": [
                    ITEM | {"kind": "mark_read", "payload": READ | {"read_at": "2027-01-01T08:00"}}
                ]
            },
            False,
        ),
    ],
)
def test_the_push_schema_holds_each_kinds_payload(body: dict[str, object], valid: bool) -> None:
    assert _validator("PushRequest.json").is_valid(body) is valid


def test_seq_bounds_are_published_as_integers() -> None:
    schema = json.loads((FOLDER / "SendMessageItem.json").read_text(encoding="utf-8"))
    seq = schema["properties"]["seq"]
    assert (seq["minimum"], seq["maximum"]) == (1, 2**62)
    assert isinstance(seq["maximum"], int)
