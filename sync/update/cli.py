"""``kite-update``: build and sign releases (on the build machine), install and roll back.

Exit status: 0 done; 1 refused or failed with nothing changed; 2 bad usage;
3 the new release failed its trial and was rolled back on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sync.update import UpdateError, releases, signing
from sync.update.settings import DEFAULT_PATH

ROLLED_BACK_EXIT = 3


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="kite-update", description="Signed side-by-side updates of the Kite terminal."
    )
    commands = top.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="make a release signing key (build machine)")
    keygen.add_argument("private_key", type=Path, help="file for the private key (0600)")
    pack = commands.add_parser("pack", help="make and sign a release archive (build machine)")
    pack.add_argument("--bundle", type=Path, default=Path("dist/kite"))
    pack.add_argument("--version", required=True)
    pack.add_argument("--key", type=Path, required=True, help="the private signing key")
    pack.add_argument("--out", type=Path, default=Path("dist"))
    for name, what in (
        ("install", "verify, install beside the current release, try it, switch or roll back"),
        ("rollback", "go back to the release before the last update"),
        ("status", "the current and previous release, and those installed"),
    ):
        command = commands.add_parser(name, help=what)
        command.add_argument("--config", type=Path, default=DEFAULT_PATH)
        if name == "install":
            command.add_argument("archive", type=Path, help="kite-<version>.tar.gz")
            command.add_argument(
                "--signature", type=Path, help="the signature (default: ARCHIVE.sig)"
            )
    return top


def run(args: argparse.Namespace) -> int:
    if args.command == "keygen":
        public = signing.generate_key(args.private_key)
        print(f"private key: {args.private_key} (keep it off the terminals)")
        print(f"public key, for public_key in /etc/kite/update.toml: {public}")
        return 0
    if args.command == "pack":
        key = signing.load_private_key(args.key)
        archive = releases.pack(args.bundle, args.version, args.out)
        print(archive)
        print(signing.sign(archive, key))
        return 0
    # Only here: the store and the terminal's configuration, which packing does not need.
    from sync.update.settings import load
    from sync.update.updater import Updater

    # Flushed: IT reads the steps in order with the errors (stderr) when both are piped.
    updater = Updater(load(args.config), say=lambda line: print(line, flush=True))
    if args.command == "install":
        signature = args.signature or args.archive.with_name(args.archive.name + ".sig")
        updater.install(args.archive, signature)
    elif args.command == "rollback":
        print(f"rolled back to {updater.rollback()}")
    else:
        layout = updater.layout
        print(f"current:   {layout.version_of('current') or '(none)'}")
        print(f"previous:  {layout.version_of('previous') or '(none)'}")
        print(f"installed: {' '.join(layout.installed()) or '(none)'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except UpdateError as exc:
        print(f"kite-update: {exc}", file=sys.stderr)
        return ROLLED_BACK_EXIT if exc.rolled_back else 1


if __name__ == "__main__":
    sys.exit(main())
