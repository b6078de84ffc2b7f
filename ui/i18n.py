"""Which language the screens speak, switched at run time through Qt's translators.

Every resident-facing string goes through ``self.tr`` or
``QCoreApplication.translate``; Spanish lives in ``assets/translations/kite_es.ts``
(built to ``kite_es.qm`` by ``python -m ui.build_translations``). Installing a
translator sends every widget a ``LanguageChange`` event and each
:class:`ui.widgets.base.Screen` retranslates itself.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QTranslator

from ui.assets import assets_dir

LANGUAGES = ("en", "es")
# Each language's own name, so a resident finds theirs whatever is on screen.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


# The one Kite translator installed on the application (one application per process).
_installed: dict[str, QTranslator] = {}


class Languages:
    """Installs one Kite translator at a time on the application."""

    def __init__(self) -> None:
        self.current = "en"

    def set(self, language: str) -> None:
        """Switch every screen to ``language`` (``en`` or ``es``)."""
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; supported: {LANGUAGES}")
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication before choosing a language")
        previous = _installed.pop("kite", None)
        if previous is not None:
            app.removeTranslator(previous)
        # English too: its file holds the plural forms of counted strings ("1 stamp added").
        translator = QTranslator(app)
        path = assets_dir() / "translations" / f"kite_{language}.qm"
        if not translator.load(str(path)):
            raise FileNotFoundError(f"{path} is missing: run python -m ui.build_translations")
        QLocale.setDefault(QLocale(language))
        self.current = language  # screens read it as they retranslate
        app.installTranslator(translator)
        _installed["kite"] = translator
        # QApplication *posts* the LanguageChange to each window: deliver it now, so every
        # screen speaks the new language when this returns, not one event-loop turn later
        # (a page shown in between read in the old language until then).
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
