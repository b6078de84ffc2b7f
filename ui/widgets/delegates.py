"""Painting list rows: conversation rows and message bubbles.

Rows are painted rather than built from widgets so a list of thousands stays
light. Text is always drawn as plain text. Every row also has a DisplayRole
sentence (see the screens' ``describe_*``) for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.formatting import isolate, when
from ui.icons import pixmap
from ui.models.paged import ItemRole
from ui.refusals import describe_reason
from ui.statuses import TONES, media_summary, status_name, timeline_step
from ui.theme import Appearance, current_appearance, current_palette

if TYPE_CHECKING:
    from kiosk.views import MessageView, OutboundStatus

HeightKey = tuple[int, int, tuple["OutboundStatus | None", int, Appearance]]

Index = QModelIndex | QPersistentModelIndex
PAD = 14
PREVIEW_CHARS = 200
TONE_COLORS = {
    "": ("badge_bg", "badge_text"),
    "good": ("badge_good_bg", "badge_good_text"),
    "bad": ("badge_bad_bg", "badge_bad_text"),
    "wait": ("badge_wait_bg", "badge_wait_text"),
}


def _font(base: QFont, delta: int = 0, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(10, current_appearance().px(20 + delta)))
    font.setBold(bold)
    return font


def one_line(text: str) -> str:
    """A message preview: the first characters on one line, as plain text."""
    flat = " ".join(text[: PREVIEW_CHARS * 2].split())
    return flat[:PREVIEW_CHARS]


def draw_badge(painter: QPainter, right: int, top: int, text: str, tone: str, font: QFont) -> int:
    """Draw a rounded status badge ending at ``right``; return its left edge."""
    colors = current_palette().colors
    bg, fg = TONE_COLORS.get(tone, TONE_COLORS[""])
    metrics = QFontMetrics(font)
    width = metrics.horizontalAdvance(text) + 20
    rect = QRect(right - width, top, width, metrics.height() + 8)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colors[bg]))
    painter.drawRoundedRect(rect, 6, 6)
    painter.setPen(QColor(colors[fg]))
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect.left()


class ConversationDelegate(QStyledItemDelegate):
    """Contact name, unread count, last message preview, last reply's status."""

    def __init__(
        self, parent: QWidget | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self._now = now  # the terminal's clock: "today" is its today, as in the messages

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        name_h = QFontMetrics(_font(option.font, 2, True)).height()
        text_h = QFontMetrics(_font(option.font)).height()
        return QSize(
            option.rect.width(), max(current_appearance().px(96), name_h + text_h + 3 * PAD)
        )

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ItemRole)
        if row is None:
            return
        colors = current_palette().colors
        painter.save()
        rect = option.rect.adjusted(6, 4, -6, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.setPen(QPen(QColor(colors["focus" if focused else "border"]), 3 if focused else 1))
        painter.setBrush(QColor(colors["secondary" if selected else "surface"]))
        painter.drawRoundedRect(rect, 10, 10)
        inner = rect.adjusted(PAD, PAD // 2, -PAD, -PAD // 2)
        name_font = _font(option.font, 2, True)
        small = _font(option.font, -3, True)
        name_h = QFontMetrics(name_font).height()
        right = inner.right()
        if row.unread:
            right = draw_badge(painter, right, inner.top() + 2, str(row.unread), "wait", small) - 8
        last = row.last_message
        if last is not None:
            painter.setFont(_font(option.font, -3))
            painter.setPen(QColor(colors["text_muted"]))
            stamp = when(last.sort_at, None if self._now is None else self._now())
            width = QFontMetrics(painter.font()).horizontalAdvance(stamp)
            painter.drawText(
                QRect(right - width, inner.top(), width, name_h),
                Qt.AlignmentFlag.AlignVCenter,
                stamp,
            )
            right -= width + 12
        painter.setFont(name_font)
        painter.setPen(QColor(colors["text"]))
        painter.drawText(
            QRect(inner.left(), inner.top(), right - inner.left(), name_h),
            Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(name_font).elidedText(
                isolate(row.contact.display_name), Qt.TextElideMode.ElideRight, right - inner.left()
            ),
        )
        line_top = inner.top() + name_h + 6
        body_font = _font(option.font, 0, bool(row.unread))
        text_right = inner.right()
        if last is not None and last.status is not None:
            text_right = (
                draw_badge(
                    painter,
                    inner.right(),
                    line_top,
                    status_name(last.status),
                    TONES.get(str(last.status), ""),
                    small,
                )
                - 10
            )
        if last is not None:
            painter.setFont(body_font)
            painter.setPen(QColor(colors["text" if row.unread else "text_muted"]))
            metrics = QFontMetrics(body_font)
            preview = isolate(one_line(last.body))
            if last.direction == "outbound":
                preview = self.tr("You: {text}").format(text=preview)
            painter.drawText(
                QRect(inner.left(), line_top, text_right - inner.left(), metrics.height() + 8),
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(preview, Qt.TextElideMode.ElideRight, text_right - inner.left()),
            )
        painter.restore()


class MessageDelegate(QStyledItemDelegate):
    """A message bubble: markers, body, time, and for a reply its status timeline."""

    def __init__(
        self, parent: QWidget | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self._heights: dict[HeightKey, int] = {}  # (message, width, what sets the height)
        self._now = now

    def clear_cache(self) -> None:
        self._heights.clear()

    def read_aloud(self, message: MessageView) -> tuple[list[str], str, list[str]]:
        """What the bubble shows, as text: its markers (media, return stamp, "Sent
        collect"), its time and its status timeline with any reason."""
        markers, steps = self._lines(message)
        now = self._now() if self._now is not None else None
        return [t for t, _ in markers], when(message.sort_at, now), [t for t, _ in steps]

    def _lines(self, message: MessageView) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(markers above the body, timeline lines below), each (text, tone)."""
        markers: list[tuple[str, str]] = []
        if message.media:
            markers.append((media_summary(message.media), ""))
        if message.has_return_stamp:
            text = (
                self.tr("Return stamp (used)")
                if message.return_stamp_used
                else self.tr("Return stamp included: your reply is free")
            )
            markers.append((text, "good"))
        if message.direction == "outbound" and str(message.payment) == "cod":
            markers.append((self.tr("Sent collect"), "wait"))
        steps: list[tuple[str, str]] = []
        now = self._now() if self._now is not None else None
        for step in message.timeline:
            steps.append(
                (timeline_step(step.status, step.at, now), TONES.get(str(step.status), ""))
            )
            if str(step.status) == "rejected" and (step.reason or message.status_reason):
                steps.append(
                    (
                        self.tr("Reason: {reason}").format(
                            reason=describe_reason(step.reason or message.status_reason)
                        ),
                        "bad",
                    )
                )
        return markers, steps

    def _layout(self, option: QStyleOptionViewItem, message: MessageView) -> tuple[QRect, int]:
        width = option.rect.width() if option.rect.width() > 0 else 800
        bubble_w = int(width * 0.78)
        text_w = bubble_w - 2 * PAD
        body_font = _font(option.font)
        small = _font(option.font, -3)
        metrics = QFontMetrics(body_font)
        body_h = metrics.boundingRect(
            QRect(0, 0, text_w, 10**6), Qt.TextFlag.TextWordWrap, isolate(message.body)
        ).height()
        markers, steps = self._lines(message)
        line_h = QFontMetrics(small).height() + 6
        height = PAD + len(markers) * (line_h + 4) + body_h + 8 + line_h + len(steps) * line_h + PAD
        return QRect(0, 0, bubble_w, height), text_w

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        message = index.data(ItemRole)
        if message is None:
            return QSize(0, 0)
        key = (
            message.message_id,
            option.rect.width(),
            (message.status, len(message.timeline), current_appearance()),
        )
        height = self._heights.get(key)
        if height is None:
            height = self._layout(option, message)[0].height() + 12
            self._heights[key] = height
        return QSize(option.rect.width(), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        message = index.data(ItemRole)
        if message is None:
            return
        colors = current_palette().colors
        bubble, text_w = self._layout(option, message)
        outbound = message.direction == "outbound"
        left = option.rect.right() - bubble.width() - 8 if outbound else option.rect.left() + 8
        bubble.moveTo(left, option.rect.top() + 6)
        painter.save()
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus) or bool(
            option.state & QStyle.StateFlag.State_Selected
        )
        painter.setPen(QPen(QColor(colors["focus" if focused else "border"]), 3 if focused else 1))
        painter.setBrush(QColor(colors["bubble_out" if outbound else "bubble_in"]))
        painter.drawRoundedRect(bubble, 12, 12)
        small = _font(option.font, -3, True)
        small_h = QFontMetrics(small).height() + 6
        x, y = bubble.left() + PAD, bubble.top() + PAD
        markers, steps = self._lines(message)
        for text, tone in markers:
            icon_name = (
                "photo"
                if message.media and text == media_summary(message.media)
                else "return-stamp"
            )
            painter.drawPixmap(x, y + 2, pixmap(icon_name, "icon", small_h - 6))
            draw_badge(
                painter,
                x + small_h + QFontMetrics(small).horizontalAdvance(text) + 20,
                y,
                text,
                tone,
                small,
            )
            y += small_h + 4
        body_font = _font(option.font)
        painter.setFont(body_font)
        painter.setPen(QColor(colors["text"]))
        body_rect = QRect(x, y, text_w, 10**6)
        body_h = (
            QFontMetrics(body_font)
            .boundingRect(body_rect, Qt.TextFlag.TextWordWrap, isolate(message.body))
            .height()
        )
        painter.drawText(
            QRect(x, y, text_w, body_h), int(Qt.TextFlag.TextWordWrap), isolate(message.body)
        )
        y += body_h + 8
        painter.setFont(_font(option.font, -3))
        painter.setPen(QColor(colors["text_muted"]))
        now = self._now() if self._now is not None else None
        stamp = when(message.sort_at, now)
        if outbound and message.status is not None:
            draw_badge(
                painter,
                bubble.right() - PAD,
                y - 2,
                status_name(message.status),
                TONES.get(str(message.status), ""),
                small,
            )
        painter.setFont(_font(option.font, -3))
        painter.setPen(QColor(colors["text_muted"]))
        painter.drawText(QRect(x, y, text_w, small_h), Qt.AlignmentFlag.AlignVCenter, stamp)
        y += small_h
        for text, tone in steps:
            fg = TONE_COLORS.get(tone, TONE_COLORS[""])[1] if tone in ("bad",) else "text"
            painter.setPen(QColor(colors["danger" if fg != "text" else "text"]))
            painter.drawText(
                QRect(x, y, text_w, small_h), Qt.AlignmentFlag.AlignVCenter, "• " + text
            )
            y += small_h
        painter.restore()
