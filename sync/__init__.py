"""Sync: the wire protocol, the store-and-forward client and engine, and the reference server.

``sync.protocol`` is the only part the reference server (``sync.server``) shares
with the terminal side. Nothing here imports Qt.
"""
