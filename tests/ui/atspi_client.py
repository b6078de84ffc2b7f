"""A screen reader's view of Kite: an AT-SPI client, run by ``tests/ui/test_atspi.py``.

It runs under Debian's ``/usr/bin/python3`` (``python3-pyatspi``), in its own process,
as Orca does: it listens on the accessibility bus and never imports Qt or Kite.

Every event it hears goes to stdout as one JSON line (``{"event": ...}``). Commands
come on stdin, one a line:

- ``tree``: the showing part of every application's accessible tree, as one JSON
  line ``{"tree": [...]}``;
- ``quit``.

It prints ``{"ready": true}`` once its listeners are registered.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pyatspi  # type: ignore[import-not-found]
from gi.repository import GLib  # type: ignore[import-not-found]

EVENTS = (
    "object:text-changed",
    "object:state-changed",
    "object:property-change",
    "object:announcement",
    "object:children-changed",
    "object:text-caret-moved",
    "object:value-changed",
    "object:selection-changed",
    "object:active-descendant-changed",
    "window",
    "focus",
)
MAX_NODES = 3000


def emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def safe(call: Any, default: Any = None) -> Any:
    try:
        return call()
    except Exception:
        return default


def describe(obj: Any) -> dict[str, Any]:
    """What a screen reader reads of one object (without its children)."""
    states = safe(lambda: obj.getState().getStates(), [])
    info: dict[str, Any] = {
        "name": safe(lambda: obj.name, ""),
        "role": safe(lambda: obj.getRoleName(), ""),
        "description": safe(lambda: obj.description, ""),
        "states": sorted(pyatspi.stateToString(s) for s in states),
    }
    relations = {}
    for relation in safe(lambda: obj.getRelationSet(), []) or []:
        kind = safe(lambda r=relation: pyatspi.relationToString(r.getRelationType()), "")
        targets = []
        for i in range(safe(lambda r=relation: r.getNTargets(), 0)):
            target = safe(lambda r=relation, i=i: r.getTarget(i))
            if target is not None:
                targets.append(safe(lambda t=target: t.name, ""))
        relations[kind] = targets
    if relations:
        info["relations"] = relations
    text = safe(lambda: obj.queryText())
    if text is not None:
        info["text"] = safe(lambda: text.getText(0, -1), "")
    attributes = safe(lambda: obj.getAttributes(), []) or []
    if attributes:
        info["attributes"] = list(attributes)
    extents = safe(lambda: obj.queryComponent().getExtents(pyatspi.DESKTOP_COORDS))
    if extents is not None:
        info["extents"] = [extents.x, extents.y, extents.width, extents.height]
    return info


def walk(obj: Any, budget: list[int]) -> dict[str, Any]:
    node = describe(obj)
    children = []
    for i in range(safe(lambda: obj.childCount, 0)):
        if budget[0] <= 0:
            break
        child = safe(lambda i=i: obj.getChildAtIndex(i))
        if child is None:
            continue
        states = safe(lambda c=child: c.getState(), None)
        if states is not None and not states.contains(pyatspi.STATE_SHOWING):
            continue  # what is not on screen is not read
        budget[0] -= 1
        children.append(walk(child, budget))
    node["children"] = children
    return node


def tree() -> list[dict[str, Any]]:
    desktop = pyatspi.Registry.getDesktop(0)
    budget = [MAX_NODES]
    apps = []
    for i in range(desktop.childCount):
        app = safe(lambda i=i: desktop.getChildAtIndex(i))
        if app is not None:
            apps.append(walk(app, budget))
    return apps


def on_event(event: Any) -> None:
    data = event.any_data
    if not isinstance(data, (str, int, float, bool)) and data is not None:
        data = safe(lambda: data.name, repr(data))
    source = event.source
    emit(
        {
            "event": {
                "type": str(event.type),
                "source": safe(lambda: source.name, ""),
                "role": safe(lambda: source.getRoleName(), ""),
                "detail1": event.detail1,
                "detail2": event.detail2,
                "data": data,
            }
        }
    )


def on_command(channel: Any, condition: Any) -> bool:
    line = sys.stdin.readline()
    if not line:
        pyatspi.Registry.stop()
        return False
    command = line.strip()
    if command == "tree":
        emit({"tree": tree()})
    elif command == "quit":
        pyatspi.Registry.stop()
        return False
    else:
        emit({"error": f"unknown command {command!r}"})
    return True


def main() -> None:
    for kind in EVENTS:
        pyatspi.Registry.registerEventListener(on_event, kind)
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_command)
    emit({"ready": True})
    pyatspi.Registry.start()


if __name__ == "__main__":
    main()
