"""Kite's own widgets: keypad, on-screen keyboard, badges, overlays."""
