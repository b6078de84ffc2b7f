"""Kite's SVG icons (``assets/icons``), tinted to the theme's colours."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui.assets import assets_dir
from ui.theme import current_palette


@cache
def _svg(name: str) -> str:
    return (assets_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")


@cache
def _pixmap(name: str, color: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", color).encode()))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def icon(name: str, role: str = "icon", size: int = 64) -> QIcon:
    """The icon ``name`` drawn in the current palette's ``role`` colour."""
    color = current_palette().colors[role]
    return QIcon(_pixmap(name, color, size))


def pixmap(name: str, role: str = "icon", size: int = 32) -> QPixmap:
    """The icon ``name`` as a pixmap, for labels."""
    return _pixmap(name, current_palette().colors[role], size)
