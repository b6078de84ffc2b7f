"""The core and the sync side never import Qt; the server shares only the protocol.

And no module of the three rooms outgrows the house limit of 450 lines.
"""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCK_QT = """
import sys, importlib.abc, pkgutil
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked in this test: ' + name)
        return None
sys.meta_path.insert(0, Block())
import kiosk, sync
for pkg in (kiosk, sync):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        if '.migrations' in info.name:
            continue  # Alembic scripts run inside Alembic, not on import
        importlib.import_module(info.name)
print('imported-ok')
"""


def test_kiosk_and_sync_import_with_qt_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import importlib\n" + BLOCK_QT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "imported-ok" in result.stdout


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_kiosk_imports_neither_sync_nor_ui() -> None:
    for path in (ROOT / "kiosk").rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in {"sync", "ui"}}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_server_shares_only_the_protocol_with_the_terminal() -> None:
    for path in (ROOT / "sync" / "server").rglob("*.py"):
        allowed = [["sync", "protocol"], ["sync", "server"]]
        if path == ROOT / "sync" / "server" / "cli.py":
            allowed.append(["sync", "conformance"])  # the one subcommand that runs the kit
        for name in _imports(path):
            top = name.split(".")
            if top[0] in {"kiosk", "ui"}:
                raise AssertionError(f"{path.relative_to(ROOT)} imports {name}")
            if top[0] == "sync" and top[:2] not in allowed:
                raise AssertionError(f"{path.relative_to(ROOT)} imports {name}")


#: What the conformance kit may import besides the standard library and itself: it is an
#: independent client written from the published documents, so nothing of the project.
_KIT_MAY_IMPORT = {"requests", "argon2", "schemathesis", "hypothesis", "jsonschema"}


def test_conformance_kit_imports_nothing_of_the_project() -> None:
    kit = ROOT / "sync" / "conformance"
    paths = sorted(kit.rglob("*.py"))
    assert paths, "sync/conformance is missing"
    for path in paths:
        for name in _imports(path):
            top = name.split(".")[0]
            if name == "sync.conformance" or name.startswith("sync.conformance."):
                continue
            assert top in sys.stdlib_module_names or top in _KIT_MAY_IMPORT, (
                f"{path.relative_to(ROOT)} imports {name}"
            )


def test_the_kit_rule_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import json\nfrom sync.protocol import OutboxItem\nfrom sync.conformance import proof\n",
        encoding="utf-8",
    )
    found = {
        name
        for name in _imports(sample)
        if not (name == "sync.conformance" or name.startswith("sync.conformance."))
        and name.split(".")[0] not in sys.stdlib_module_names | _KIT_MAY_IMPORT
    }
    assert found == {"sync.protocol"}


def test_ui_runs_no_sql_or_http_itself() -> None:
    for path in (ROOT / "ui").rglob("*.py"):
        bad = {
            n
            for n in _imports(path)
            if n.split(".")[0] in {"sqlalchemy", "sqlite3", "requests", "httpx", "urllib3"}
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


# What runs SQL on the terminal's tables: the query language, the mapped tables, and a
# session's statement methods. Only kiosk/ may use them; sync/server/ has its own database.
_SQL_MODULES = ("sqlalchemy", "sqlite3", "kiosk.store.models")
_SESSION_STATEMENTS = frozenset(
    {
        "add",
        "add_all",
        "connection",
        "delete",
        "exec_driver_sql",
        "execute",
        "get",
        "merge",
        "query",
        "scalar",
        "scalars",
    }
)
_RAW_SQL = re.compile(
    r"^\s*(select\s.+\sfrom\s|insert\s+(or\s+\w+\s+)?into\s|update\s+\w+\s+set\s|"
    r"delete\s+from\s|pragma\s|create\s+(table|index)\s|drop\s+table\s|alter\s+table\s)",
    re.IGNORECASE | re.DOTALL,
)


def _runs_sql(path: Path) -> list[str]:
    """Each way ``path`` issues SQL itself, as ``line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from kiosk.store import models`` names the module in its alias
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            if any(module == m or module.startswith(m + ".") for m in _SQL_MODULES):
                found.append(f"{node.lineno}: imports {module}")
                break
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"session", "db", "connection", "conn"}
            and node.func.attr in _SESSION_STATEMENTS
        ):
            found.append(f"{node.lineno}: {node.func.value.id}.{node.func.attr}(...)")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"text", "select", "insert", "update", "delete"}
        ):
            found.append(f"{node.lineno}: {node.func.id}(...)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            # SQL is written SELECT or select; "Select a contact from the list" is a sentence
            keyword = node.value.split(maxsplit=1)[0] if node.value.strip() else ""
            if _RAW_SQL.match(node.value) and (keyword.isupper() or keyword.islower()):
                found.append(f"{node.lineno}: raw SQL {node.value[:40]!r}")
    return sorted(found, key=lambda where: int(where.split(":")[0]))


def _terminal_side(folder: str) -> list[Path]:
    server = ROOT / "sync" / "server"
    return [p for p in (ROOT / folder).rglob("*.py") if server not in p.parents]


def test_the_sql_check_sees_each_way_of_running_sql(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from sqlalchemy import select\n"
        "import sqlalchemy.orm\n"
        "from kiosk.store import models\n"
        "from kiosk.store.models import OutboxItem\n"
        "def f(session):\n"
        "    session.scalar(select(OutboxItem))\n"
        "    session.get(OutboxItem, 1)\n"
        "    session.execute(text('x'))\n"
        "    return 'SELECT id FROM outbox'\n",
        encoding="utf-8",
    )
    found = "\n".join(_runs_sql(sample))
    for expected in (
        "1: imports sqlalchemy",
        "2: imports sqlalchemy.orm",
        "3: imports kiosk.store.models",
        "4: imports kiosk.store.models",
        "6: session.scalar",
        "6: select(",
        "7: session.get",
        "8: session.execute",
        "8: text(",
        "9: raw SQL",
    ):
        assert expected in found, f"{expected!r} not reported in:\n{found}"
    harmless = tmp_path / "harmless.py"
    harmless.write_text(
        "from kiosk import outbox\n"
        "def f(store, report):\n"
        "    with store.read() as session:\n"
        "        counts = outbox.state_counts(session)\n"
        "    return report.get('sync'), 'Select a contact from the list', counts\n",
        encoding="utf-8",
    )
    assert _runs_sql(harmless) == []


def test_sync_and_ui_run_no_sql_on_the_terminals_tables() -> None:
    """Every statement on the terminal's tables is a named function in kiosk/."""
    offenders = [
        f"{path.relative_to(ROOT)}:{where}"
        for folder in ("sync", "ui")
        for path in _terminal_side(folder)
        for where in _runs_sql(path)
    ]
    assert not offenders, "SQL outside kiosk/:\n" + "\n".join(offenders)


HOUSE_LIMIT = 450  # lines a module of kiosk/, sync/ or ui/ may have


def _migration_revision(path: Path) -> bool:
    """An Alembic revision script (``.../migrations/versions/*.py``): a record, never split."""
    parts = path.relative_to(ROOT).parts
    return any(pair == ("migrations", "versions") for pair in itertools.pairwise(parts))


def test_no_module_is_over_the_house_limit() -> None:
    over = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for folder in ("kiosk", "sync", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not _migration_revision(path)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > HOUSE_LIMIT
    ]
    assert not over, f"over {HOUSE_LIMIT} lines (split by what the code does):\n" + "\n".join(over)
