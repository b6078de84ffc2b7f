"""The Qt binding does not eat references to None (the kiosk would abort after a while).

PySide6 6.12.0 on Python 3.11 returned ``None`` from every void method without taking a
reference to it: each call such as ``QTextCursor.setPosition`` dropped None's count by
one, and after a few thousand (a key held down in compose, whose editor trims back to
its bound on every keystroke) Python aborted with "deallocating None". pyproject.toml
keeps that release out; this test fails on any binding that does it again. It runs the
calls in a child process, since a binding with the bug kills the process that tries.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import sys
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QPlainTextEdit
app = QApplication([])
editor = QPlainTextEdit()
editor.setPlainText("x" * 100)
cursor = QTextCursor(editor.document())
before = sys.getrefcount(None)
for _ in range(20_000):
    cursor.setPosition(5)
    cursor.setPosition(6, QTextCursor.MoveMode.KeepAnchor)
    editor.setPlainText("x" * 100)
print(before - sys.getrefcount(None))
"""


def test_void_qt_calls_leave_none_alone() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"the binding aborted the process:\n{done.stderr[-2000:]}"
    lost = int(done.stdout.strip().splitlines()[-1])
    assert lost < 100, f"60,000 void Qt calls took {lost} references to None"
