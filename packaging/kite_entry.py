"""Entry point of the frozen terminal (PyInstaller runs this file).

One bundle, two programs, chosen by the name the executable was started under
(as busybox does): ``kite`` is the resident terminal (:mod:`ui.main`), and a
link named ``kite-admin`` is IT's command line (:mod:`sync.admin`), so IT can
enroll and diagnose a kiosk without a Python installation on the image, and a
link named ``kite-update`` installs signed releases (:mod:`sync.update`).

``kite --bundle-check`` is for packaging/build only: it exercises what the
terminal loads lazily or by name (time zones, the file keyring, argon2, QR
codes, the migration scripts) so a module missing from the bundle fails the
build instead of a kiosk.
"""

import os
import sys


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"bundle check failed: {what}")


def bundle_check() -> int:
    """Load, inside the bundle, everything static analysis cannot vouch for."""
    import tempfile
    import zoneinfo
    from pathlib import Path

    import argon2
    import qrcode
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.store import cipher
    from kiosk.store.revisions import migrations_dir, shipped_revisions
    from sync.secrets_keyring import SecretsKeyring
    from ui.assets import assets_dir

    zoneinfo.reset_tzpath(to=[])  # the bundled tzdata, not the build host's zoneinfo
    zoneinfo.ZoneInfo("America/Chicago")
    with migrations_dir() as folder:
        _require((folder / "env.py").is_file(), f"no env.py in {folder}")
        revisions = shipped_revisions(folder)
    for name in ("themes/kite.qss", "translations/kite_es.qm", "icons/kite.svg"):
        _require((assets_dir() / name).is_file(), f"asset {name} missing")
    signer = Ed25519PrivateKey.generate()  # kite-update's release signatures
    signer.public_key().verify(signer.sign(b"release"), b"release")
    hasher = argon2.PasswordHasher()
    _require(hasher.verify(hasher.hash("1234"), "1234"), "argon2 round trip")
    code = qrcode.QRCode()
    code.add_data("kite-enroll:?device=check")
    code.make()
    with tempfile.TemporaryDirectory() as scratch:
        backend = SecretsKeyring(keyring_file=Path(scratch) / "keyring.enc", secrets_key=b"k" * 32)
        backend.set_password("kite", "check", "value")
        _require(backend.get_password("kite", "check") == "value", "sealed keyring round trip")
        with cipher.connect(Path(scratch) / "check.db", backend.store_key()) as db:
            db.execute("CREATE TABLE t (x)")
        _require(not cipher.is_plain(Path(scratch) / "check.db"), "SQLCipher encrypts")
    print(f"bundle check passed: migrations {', '.join(revisions)}")
    return 0


def run() -> int:
    """Start the program the executable was called as."""
    program = os.path.basename(sys.argv[0])
    if program == "kite-admin":
        from sync.admin import main as admin_main

        return admin_main()
    if program == "kite-update":
        from sync.update.cli import main as update_main

        return update_main()
    if sys.argv[1:] == ["--bundle-check"]:
        return bundle_check()
    from ui.main import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
