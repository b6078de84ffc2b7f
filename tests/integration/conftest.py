"""The integration suite runs the terminal's engine against the real reference server
(``central_server``, ``private_server`` and ``world`` come from ``tests/conftest.py``)."""
