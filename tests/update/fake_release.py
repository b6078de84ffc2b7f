"""Stand-ins for the terminal bundle in the updater's tests: the updater is what is tested.

A fake release is a folder with an executable ``kite`` (a Python script) that
behaves as the real one does towards the updater: ``--smoke-test`` opens the store
named by the configuration in ``KITE_CONFIG`` (an encrypted one with the key derived,
as Kite does, from the secrets key in ``$CREDENTIALS_DIRECTORY``) and "migrates" it
(adds a table named after its version), ``--exit-on-first-paint`` sends READY=1 to
``NOTIFY_SOCKET``.
A broken one fails its self-test, or never reports READY.
"""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = """#!{python}
import os, socket, sqlite3, sys, time, tomllib
BEHAVIOUR = {behaviour!r}
VERSION = {version!r}
args = sys.argv[1:]
with open(os.environ["KITE_CONFIG"], "rb") as handle:
    data_dir = tomllib.load(handle)["data_dir"]


def open_store(path):
    with open(path, "rb") as handle:
        if handle.read(16) == b"SQLite format 3\\x00":
            return sqlite3.connect(path)
    import sqlcipher3.dbapi2 as sqlcipher
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    held = os.path.join(os.environ["CREDENTIALS_DIRECTORY"], "kite-secrets")
    with open(held) as handle:
        secrets = bytes.fromhex(handle.read())
    key = HKDF(hashes.SHA256(), 32, None, b"kite store key v1").derive(secrets)
    db = sqlcipher.connect(path)
    db.execute("PRAGMA key = " + chr(34) + "x'" + key.hex() + "'" + chr(34))
    return db


if args == ["--smoke-test"]:
    if BEHAVIOUR == "fails-self-test":
        print("kite: smoke test: the store did not open: migration 0099 failed", file=sys.stderr)
        sys.exit(1)
    with open_store(os.path.join(data_dir, "kite.db")) as db:
        db.execute("CREATE TABLE IF NOT EXISTS migrated_by_" + VERSION.replace(".", "_") + " (x)")
    print("kite: smoke test passed (kiosk, en)")
    sys.exit(0)
if args == ["--exit-on-first-paint"]:
    if BEHAVIOUR == "never-ready":
        print("painting...", flush=True)
        time.sleep(3600)
    if BEHAVIOUR == "exits-early":
        print("Traceback: ImportError: libGL.so.1", file=sys.stderr)
        sys.exit(1)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
    sys.exit(0)
print("fake kite", VERSION, args)
"""


def make_bundle(folder: Path, version: str, behaviour: str = "good") -> Path:
    folder.mkdir(parents=True)
    program = folder / "kite"
    program.write_text(
        SCRIPT.format(python=sys.executable, behaviour=behaviour, version=version),
        encoding="utf-8",
    )
    program.chmod(0o755)
    (folder / "_internal").mkdir()
    (folder / "_internal" / "library.txt").write_text(f"part of {version}\n", encoding="utf-8")
    return folder
