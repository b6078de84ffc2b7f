"""Kite's terminal core: configuration, the local store and the domain services.

Pure Python. Nothing in this package imports Qt, the sync client or the server:
the screens (``ui``) and the sync engine (``sync``) depend on it, never the reverse.
"""
