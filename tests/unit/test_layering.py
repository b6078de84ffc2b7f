"""The core and the sync side never import Qt; the server shares only the protocol."""

from __future__ import annotations

import ast
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
        for name in _imports(path):
            top = name.split(".")
            if top[0] in {"kiosk", "ui"}:
                raise AssertionError(f"{path.relative_to(ROOT)} imports {name}")
            if top[0] == "sync" and top[:2] not in (["sync", "protocol"], ["sync", "server"]):
                raise AssertionError(f"{path.relative_to(ROOT)} imports {name}")


def test_ui_runs_no_sql_or_http_itself() -> None:
    for path in (ROOT / "ui").rglob("*.py"):
        bad = {
            n
            for n in _imports(path)
            if n.split(".")[0] in {"sqlalchemy", "sqlite3", "requests", "httpx", "urllib3"}
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
