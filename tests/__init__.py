"""Kite test suites (a package, so tests/ui never shadows the ui package)."""
