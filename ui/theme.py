"""One theme for every screen: a QSS template filled from a colour palette and a text size.

Two palettes ship (``standard`` and ``high-contrast``, in ``assets/themes``); each
declares the colour pairs it promises to keep legible, and the tests check those
pairs against WCAG 2.2 AA. The large-text setting scales every size in the sheet.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from string import Template

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from ui.assets import assets_dir

THEMES = ("standard", "high-contrast")
BASE_FONT_PX = 20
LARGE_TEXT_SCALE = 1.4
TOUCH_PX = 56  # every touch target is at least 44 px; we keep a margin
KEYBOARD_KEY_PX = 48


@dataclass(frozen=True)
class Palette:
    """A theme's colours by role, and the pairs it must keep legible."""

    name: str
    colors: dict[str, str]
    pairs: tuple[tuple[str, str, float], ...]

    def color(self, role: str) -> QColor:
        return QColor(self.colors[role])


@cache
def load_palette(name: str) -> Palette:
    """Read ``assets/themes/<name>.toml``."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; known: {', '.join(THEMES)}")
    data = tomllib.loads((assets_dir() / "themes" / f"{name}.toml").read_text(encoding="utf-8"))
    pairs = tuple((str(fg), str(bg), float(ratio)) for fg, bg, ratio in data["contrast"]["pairs"])
    return Palette(name=data["name"], colors=dict(data["colors"]), pairs=pairs)


def relative_luminance(hex_color: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour like ``#AABBCC``."""
    value = hex_color.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG contrast ratio between two colours (1.0 to 21.0)."""
    a, b = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Appearance:
    """What the resident chose: palette and text size."""

    theme: str = "standard"
    large_text: bool = False

    @property
    def scale(self) -> float:
        return LARGE_TEXT_SCALE if self.large_text else 1.0

    def px(self, base: int) -> int:
        return round(base * self.scale)


def style_sheet(appearance: Appearance) -> str:
    """The full QSS for ``appearance``."""
    palette = load_palette(appearance.theme)
    template = Template((assets_dir() / "themes" / "kite.qss").read_text(encoding="utf-8"))
    sizes = {
        "font_px": appearance.px(BASE_FONT_PX),
        "small_px": appearance.px(BASE_FONT_PX - 3),
        "title_px": appearance.px(BASE_FONT_PX + 10),
        "subtitle_px": appearance.px(BASE_FONT_PX + 3),
        "input_px": appearance.px(BASE_FONT_PX + 6),
        "key_px": appearance.px(BASE_FONT_PX + 4),
        "key_h": appearance.px(TOUCH_PX),
        # The on-screen keyboard must fit under a reply even with large text: its keys
        # stay 48 px tall (over the 44 px minimum) and only their letters grow.
        "kbd_px": min(appearance.px(BASE_FONT_PX + 2), 28),
        "kbd_h": KEYBOARD_KEY_PX,
        "touch_px": appearance.px(TOUCH_PX),
    }
    return template.substitute({**palette.colors, **{k: str(v) for k, v in sizes.items()}})


def apply(app: QApplication, appearance: Appearance) -> None:
    """Apply the palette, font and style sheet to the whole application."""
    palette = load_palette(appearance.theme)
    qpal = QPalette()
    qpal.setColor(QPalette.ColorRole.Window, palette.color("window"))
    qpal.setColor(QPalette.ColorRole.WindowText, palette.color("text"))
    qpal.setColor(QPalette.ColorRole.Base, palette.color("surface"))
    qpal.setColor(QPalette.ColorRole.AlternateBase, palette.color("surface_alt"))
    qpal.setColor(QPalette.ColorRole.Text, palette.color("text"))
    qpal.setColor(QPalette.ColorRole.Button, palette.color("secondary"))
    qpal.setColor(QPalette.ColorRole.ButtonText, palette.color("on_secondary"))
    qpal.setColor(QPalette.ColorRole.Highlight, palette.color("primary"))
    qpal.setColor(QPalette.ColorRole.HighlightedText, palette.color("on_primary"))
    qpal.setColor(QPalette.ColorRole.PlaceholderText, palette.color("text_muted"))
    app.setPalette(qpal)
    font = QFont("DejaVu Sans")
    font.setPixelSize(appearance.px(BASE_FONT_PX))
    app.setFont(font)
    sheet = style_sheet(appearance)
    # Qt re-polishes every widget on any setStyleSheet, even of the sheet it has (0.2 s
    # with the shell built); the same sheet means the same colours and sizes.
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
    _current["appearance"] = appearance


# The appearance the application runs with; one per process, like the QApplication.
_current: dict[str, Appearance] = {"appearance": Appearance()}


def current_appearance() -> Appearance:
    """The appearance in use (standard, normal text before any is applied)."""
    return _current["appearance"]


def current_palette() -> Palette:
    """The palette in use."""
    return load_palette(current_appearance().theme)
