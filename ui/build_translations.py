"""Extract the screens' strings into ``assets/translations/*.ts`` and build the ``.qm`` files.

``python -m ui.build_translations`` runs ``pyside6-lupdate`` over every module
of ``ui/`` (keeping existing translations, dropping strings no longer used) and
then ``pyside6-lrelease``. Translators edit the ``.ts`` files (Qt Linguist, or
any editor); ``tests/ui/test_translations.py`` fails when a string has no
Spanish or when its ``{placeholders}`` differ from the English.

English has a ``.ts`` file too, holding only the strings with a count
(``self.tr("%n stamps added", "", n)``): Qt picks "1 stamp added" or "2 stamps
added" from its plural forms, in English as in Spanish.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ui.assets import assets_dir

LANGUAGES = ("en", "es")
# The source strings are English: its file holds only the plural forms of counted strings.
PLURAL_ONLY = frozenset({"en"})
UI_DIR = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[^}]*)?\}")


def tool(name: str) -> str:
    """A PySide6 tool next to this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PySide6-Essentials into this environment")
    return found


def sources() -> list[Path]:
    return sorted(p for p in UI_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def ts_path(language: str) -> Path:
    return assets_dir() / "translations" / f"kite_{language}.ts"


def extract(ts_file: Path, language: str | None = None) -> None:
    """Update ``ts_file`` from the sources (existing translations are kept)."""
    language = language or ts_file.stem.removeprefix("kite_")
    only = ["-pluralonly"] if language in PLURAL_ONLY else []
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            *map(str, sources()),
            "-no-obsolete",
            *only,
            "-target-language",
            language,
            "-ts",
            str(ts_file),
        ],
        check=True,
        capture_output=True,
    )


def release(ts_file: Path) -> Path:
    qm = ts_file.with_suffix(".qm")
    subprocess.run(
        [tool("pyside6-lrelease"), str(ts_file), "-qm", str(qm)], check=True, capture_output=True
    )
    return qm


@dataclass(frozen=True)
class Entry:
    """One source string of a .ts file and its translation."""

    context: str
    source: str
    translation: str
    finished: bool


def entries(ts_file: Path) -> list[Entry]:
    found = []
    for context in ET.parse(ts_file).getroot().iter("context"):
        context_name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            text = translation.text if translation is not None and translation.text else ""
            forms = [] if translation is None else translation.findall("numerusform")
            if forms:  # a counted string: every plural form must be there
                texts = [f.text or "" for f in forms]
                text = "\n".join(texts) if all(texts) else ""
            kind = translation.get("type", "") if translation is not None else "unfinished"
            found.append(
                Entry(
                    context_name,
                    message.findtext("source", ""),
                    text,
                    kind not in ("unfinished", "vanished", "obsolete"),
                )
            )
    return found


def problems(ts_file: Path) -> list[str]:
    """Strings without a finished translation, or whose placeholders differ."""
    out = []
    for entry in entries(ts_file):
        where = f"{ts_file.name} [{entry.context}] {entry.source!r}"
        if not entry.translation or not entry.finished:
            out.append(f"{where}: no translation")
        elif any(
            sorted(PLACEHOLDER.findall(entry.source)) != sorted(PLACEHOLDER.findall(form))
            for form in entry.translation.split("\n")
        ):
            out.append(f"{where}: placeholders differ in {entry.translation!r}")
        elif "%n" in entry.source and "%n" not in entry.translation:
            out.append(f"{where}: the count %n is missing from {entry.translation!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report untranslated strings")
    args = parser.parse_args(argv)
    status = 0
    for language in LANGUAGES:
        ts_file = ts_path(language)
        if not args.check:
            extract(ts_file)
            release(ts_file)
        for problem in problems(ts_file):
            print(problem, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
