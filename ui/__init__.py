"""The resident's terminal: PySide6 screens over the ``kiosk`` core and the sync status."""
