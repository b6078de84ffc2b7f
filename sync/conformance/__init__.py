"""The conformance kit: the protocol's scenarios, run by an independent terminal against any server.

``kite-central conformance URL`` (``docs/conformance.md``) runs them and prints a
pass/fail table. Everything here is written from the published documents
(``docs/protocol.md``, ``docs/server.md`` and the server's ``/openapi.json``), never
from the reference implementation: it imports only the standard library, ``requests``
and ``argon2`` (and ``schemathesis`` for the property-based part), and nothing else of
``sync``, ``kiosk`` or ``ui`` (``tests/unit/test_layering.py``). Where the documents
left the client guessing, :mod:`sync.conformance.guesses` says what it guessed.
"""
