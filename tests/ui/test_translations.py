"""Every string on screen has natural Spanish with the same placeholders, and the .qm is current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ui import build_translations as bt


def test_every_spanish_entry_is_finished_with_matching_placeholders() -> None:
    ts_file = bt.ts_path("es")
    assert len(bt.entries(ts_file)) > 150
    assert bt.problems(ts_file) == []


def test_no_string_in_the_sources_lacks_a_spanish_translation(tmp_path: Path) -> None:
    # Extract afresh from today's sources into a copy: a new or changed string shows up unfinished.
    copy = tmp_path / "kite_es.ts"
    shutil.copy(bt.ts_path("es"), copy)
    bt.extract(copy)
    assert bt.problems(copy) == []
    assert {(e.context, e.source) for e in bt.entries(copy)} == {
        (e.context, e.source) for e in bt.entries(bt.ts_path("es"))
    }, "kite_es.ts is stale: run python -m ui.build_translations"


@pytest.mark.parametrize("language", bt.LANGUAGES)
def test_shipped_qm_is_built_from_the_current_ts(tmp_path: Path, language: str) -> None:
    copy = tmp_path / f"kite_{language}.ts"
    shutil.copy(bt.ts_path(language), copy)
    built = bt.release(copy)
    shipped = bt.ts_path(language).with_suffix(".qm")
    assert built.read_bytes() == shipped.read_bytes(), "run python -m ui.build_translations"


def test_english_has_every_counted_string_with_its_singular_and_plural(tmp_path: Path) -> None:
    copy = tmp_path / "kite_en.ts"
    shutil.copy(bt.ts_path("en"), copy)
    bt.extract(copy)
    assert bt.problems(copy) == []
    counted = bt.entries(copy)
    assert counted and all("%n" in e.source for e in counted)
    assert {(e.context, e.source) for e in counted} == {
        (e.context, e.source) for e in bt.entries(bt.ts_path("en"))
    }, "kite_en.ts is stale: run python -m ui.build_translations"
    spanish = {(e.context, e.source) for e in bt.entries(bt.ts_path("es"))}
    assert {(e.context, e.source) for e in counted} <= spanish


def test_counts_read_in_the_singular_and_the_plural_in_both_languages(qapp: object) -> None:
    from PySide6.QtCore import QCoreApplication

    from ui.i18n import Languages

    languages = Languages()
    said = {}
    try:
        for language in ("en", "es"):
            languages.set(language)
            said[language] = [
                QCoreApplication.translate("InboxScreen", "%n unread messages", "", n)
                for n in (1, 2)
            ]
    finally:
        languages.set("en")
    assert said == {
        "en": ["1 unread message", "2 unread messages"],
        "es": ["1 mensaje sin leer", "2 mensajes sin leer"],
    }


def test_problems_names_a_missing_translation_and_a_placeholder_mismatch(tmp_path: Path) -> None:
    bad = tmp_path / "kite_es.ts"
    bad.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS><TS version="2.1" language="es_ES"><context><name>X</name>
<message><source>Hello {name}</source><translation>Hola {nombre}</translation></message>
<message><source>Bye</source><translation type="unfinished"></translation></message>
</context></TS>""",
        encoding="utf-8",
    )
    found = bt.problems(bad)
    assert len(found) == 2
    assert "placeholders differ" in found[0]
    assert "no translation" in found[1]
