"""docs/protocol.md and docs/schemas say the same: every field and enum value each way.

The doc's convention (stated at its top): a table with the columns ``schema`` and
``fields`` names a schema in backticks and lists its fields, each in backticks; a
table with the columns ``enum`` and ``values`` lists every value of an enum. A row
whose fields cell has no backticked word points elsewhere; every schema named must
be listed whole in some row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import sync.protocol
from sync.protocol import schemas

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
_TICKED = re.compile(r"`([^`]+)`")


def _tables() -> list[tuple[list[str], list[list[str]]]]:
    tables: list[tuple[list[str], list[list[str]]]] = []
    lines = DOC.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("| ---"):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            tables.append((header, rows))
        else:
            i += 1
    return tables


def _cells(line: str) -> list[str]:
    # A "|" inside backticks is not a column break (none is used so in these tables).
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _definitions() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in schemas.DEFAULT_DIR.glob("*.json"):
        if path.name == "index.json":
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        found.update(schema.pop("$defs", {}))
        found[path.stem] = schema
    return found


def _schema_rows() -> dict[str, list[set[str]]]:
    rows: dict[str, list[set[str]]] = {}
    for header, body in _tables():
        if "schema" in header and "fields" in header:
            at, fields_at = header.index("schema"), header.index("fields")
            for row in body:
                [name] = _TICKED.findall(row[at])
                rows.setdefault(name, []).append(set(_TICKED.findall(row[fields_at])))
    return rows


def test_every_schema_table_lists_exactly_the_fields_of_its_schema() -> None:
    definitions = _definitions()
    rows = _schema_rows()
    assert len(rows) >= 30
    for name, listings in rows.items():
        assert name in definitions, f"the doc names a schema {name} that docs/schemas lacks"
        fields = set(definitions[name]["properties"])
        full = [listed for listed in listings if listed]
        assert full, f"{name} is never listed whole"
        for listed in full:
            assert listed == fields, (
                f"{name}: the doc lists {sorted(listed - fields)} that the schema lacks "
                f"and lacks {sorted(fields - listed)}"
            )


def test_every_item_kind_and_change_kind_has_its_row_with_its_schema() -> None:
    by_kind: dict[str, str] = {}
    for header, body in _tables():
        if header[:2] == ["kind", "schema"]:
            for row in body:
                kinds = _TICKED.findall(row[0])
                if kinds and not row[0].startswith("("):
                    by_kind[kinds[0]] = _TICKED.findall(row[1])[0]
    index = json.loads((schemas.DEFAULT_DIR / "index.json").read_text(encoding="utf-8"))
    definitions = _definitions()
    for kind, filename in index["item_kinds"].items():
        payload = definitions[filename.removesuffix(".json")]["properties"]["payload"]["$ref"]
        assert by_kind[kind] == payload.rsplit("/", 1)[1], kind
    for kind, filename in index["change_kinds"].items():
        data = definitions[filename.removesuffix(".json")]["properties"]["data"]["$ref"]
        assert by_kind[kind] == data.rsplit("/", 1)[1], kind


def test_every_enum_table_lists_exactly_the_values_of_its_enum() -> None:
    listed: dict[str, set[str]] = {}
    for header, body in _tables():
        if header[:2] == ["enum", "values"]:
            for row in body:
                [name] = _TICKED.findall(row[0])
                listed[name] = set(_TICKED.findall(row[1]))
    assert {"ErrorCode", "RejectReason", "ItemKind", "ChangeKind", "OutboundStatus"} <= set(listed)
    for name, values in listed.items():
        enum = getattr(sync.protocol, name, None) or getattr(sync.protocol.changes, name)
        assert values == set(get_args(enum)), (
            f"{name}: the doc lists {sorted(values - set(get_args(enum)))} that the models "
            f"lack and lacks {sorted(set(get_args(enum)) - values)}"
        )


def test_the_doc_names_this_protocol_version() -> None:
    assert f"This\nprotocol is `{sync.protocol.PROTOCOL_VERSION}`" in DOC.read_text(
        encoding="utf-8"
    ) or f"protocol is `{sync.protocol.PROTOCOL_VERSION}`" in DOC.read_text(encoding="utf-8")
