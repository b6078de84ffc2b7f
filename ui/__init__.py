"""Kite's resident terminal: PySide6 screens over the ``kiosk`` core (never SQL or HTTP)."""
