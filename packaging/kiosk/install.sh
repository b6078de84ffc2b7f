#!/usr/bin/env bash
# Lays the Kite kiosk out on a Debian 12 system or image root from a bundle built by
# packaging/build (dist/kite), by building the kite-terminal package from it
# (packaging/build-deb) and installing that: the package and its maintainer scripts
# are the one description of a kiosk's layout. Safe to run again: an update installs
# the new package and keeps the configuration and the data.
#
#   packaging/kiosk/install.sh [--dry-run] [--root DIR] [--bundle DIR] [--no-apt]
#                              [--public-key KEY]
#
#   --dry-run         build the package, print the steps, change nothing
#   --root DIR        an image root (a chroot-able Debian 12 tree) instead of this system
#   --bundle DIR      the one-dir bundle (default: dist/kite next to packaging/)
#   --no-apt          dpkg -i, not apt-get: the Depends are installed already
#   --public-key KEY  the release signing key to pin for kite-update (build-deb)
#
# What the package holds and what its postinst sets up: docs/it-guide.md, section 2.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGING=$(dirname "$HERE")
DRY_RUN=0
ROOT=/
BUNDLE="$(dirname "$PACKAGING")/dist/kite"
APT=1
KEY=()

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --root) ROOT=${2:?--root needs a directory}; shift ;;
    --bundle) BUNDLE=${2:?--bundle needs a directory}; shift ;;
    --no-apt) APT=0 ;;
    --public-key) KEY=(--public-key "${2:?--public-key needs the base64 key}"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT=${ROOT%/} # "/" becomes "": this system
if [ ! -x "$BUNDLE/kite" ]; then
  echo "install.sh: no bundle at $BUNDLE (expected $BUNDLE/kite): run 'bash packaging/build' first" >&2
  exit 1
fi
if [ -n "$ROOT" ] && [ ! -d "$ROOT/etc" ]; then
  echo "install.sh: $ROOT does not look like a system root (no $ROOT/etc)" >&2
  exit 1
fi
if [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (or with --dry-run to see the steps)" >&2
  exit 1
fi

# run CMD...: print the step, and do it unless this is a dry run.
run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  if [ "$DRY_RUN" -eq 0 ]; then "$@"; fi
}

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
DEB=$("$PACKAGING/build-deb" --bundle "$BUNDLE" --out "$OUT" "${KEY[@]}")
echo "= built $(basename "$DEB")"
if [ "$DRY_RUN" -eq 1 ]; then
  dpkg-deb --contents "$DEB" | awk '{ print "  " $1, $2, $6, $7, $8 }'
fi

INSTALL=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends)
[ "$APT" -eq 1 ] || INSTALL=(dpkg -i)
if [ -n "$ROOT" ]; then
  run install -m 0644 "$DEB" "$ROOT/tmp/$(basename "$DEB")"
  run chroot "$ROOT" "${INSTALL[@]}" "/tmp/$(basename "$DEB")"
  run rm -f "$ROOT/tmp/$(basename "$DEB")"
else
  run "${INSTALL[@]}" "$DEB"
fi

if [ "$DRY_RUN" -eq 1 ]; then
  echo "Dry run: nothing was changed."
else
  echo "Kite kiosk installed in ${ROOT:-/}. Next: edit /etc/kite/kite.toml, then enroll (docs/it-guide.md)."
fi
