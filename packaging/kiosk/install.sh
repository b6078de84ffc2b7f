#!/usr/bin/env bash
# Lays the Kite kiosk out on a Debian 12 system or image root, from a bundle
# built by packaging/build (dist/kite). Safe to run again: an update replaces
# the bundle and the system snippets and keeps the configuration and the data.
#
#   packaging/kiosk/install.sh [--dry-run] [--root DIR] [--bundle DIR] [--no-apt]
#
#   --dry-run     print every step, change nothing
#   --root DIR    an image root (a chroot-able Debian 12 tree) instead of this system
#   --bundle DIR  the one-dir bundle (default: dist/kite next to packaging/)
#   --no-apt      do not install the Debian packages (the image builder does it)
#
# What it does (docs/it-guide.md explains each part):
#   - the Debian packages the bundle and the session need (cage, Xwayland, GL, fonts)
#   - the 'kite' system user: no shell, no password, home /var/lib/kite
#   - /opt/kite (the bundle) and /usr/local/bin/kite-admin (runs as kite)
#   - /etc/kite/kite.toml from packaging/kite.toml.example, only if absent
#   - /var/lib/kite 0700 kite:kite; the keyring file 0600 kite:kite if present
#   - the kite-kiosk.service cage session on tty1 instead of the tty1 login,
#     and kite-call-it.service, the "call IT" text screen after a crash loop,
#     its PAM service, logind/polkit/sysctl snippets: no VT switching, no other
#     consoles, no Ctrl+Alt+Del, no power keys, no SysRq
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGING=$(dirname "$HERE")
DRY_RUN=0
ROOT=/
BUNDLE="$(dirname "$PACKAGING")/dist/kite"
APT=1

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --root) ROOT=${2:?--root needs a directory}; shift ;;
    --bundle) BUNDLE=${2:?--bundle needs a directory}; shift ;;
    --no-apt) APT=0 ;;
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
# in_root CMD...: a command that must act on the target system (chroot for an image root).
in_root() {
  if [ -n "$ROOT" ]; then run chroot "$ROOT" "$@"; else run "$@"; fi
}

# What the bundle leaves to the system (PyInstaller does not ship libGL/libEGL,
# libwayland-*), and Xwayland: Debian's cage refuses to start without it.
PACKAGES=(cage xwayland libgl1 libegl1 libwayland-client0 libwayland-cursor0 libwayland-egl1
  libxkbcommon0 libfontconfig1 fonts-dejavu-core libdbus-1-3 dbus polkitd tzdata)
if [ "$APT" -eq 1 ]; then
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
fi

# The kiosk user: a system account without a login shell or password.
kite_user_exists() {
  if [ -n "$ROOT" ]; then grep -q '^kite:' "$ROOT/etc/passwd"; else getent passwd kite >/dev/null; fi
}
if kite_user_exists; then
  echo "= user kite exists"
else
  in_root useradd --system --user-group --home-dir /var/lib/kite --no-create-home \
    --shell /usr/sbin/nologin --comment "Kite kiosk session" kite
fi

# The bundle: copied beside the old one, then swapped in, so an interrupted
# update leaves a runnable /opt/kite.
run mkdir -p "$ROOT/opt"
run rm -rf "$ROOT/opt/kite.new" "$ROOT/opt/kite.old"
run cp -a "$BUNDLE" "$ROOT/opt/kite.new"
run ln -s kite "$ROOT/opt/kite.new/kite-admin" # the same program, started as kite-admin
run chown -R root:root "$ROOT/opt/kite.new"
run chmod -R go-w "$ROOT/opt/kite.new"
if [ -e "$ROOT/opt/kite" ]; then run mv "$ROOT/opt/kite" "$ROOT/opt/kite.old"; fi
run mv "$ROOT/opt/kite.new" "$ROOT/opt/kite"
run rm -rf "$ROOT/opt/kite.old"
run install -D -m 0755 "$HERE/kite-admin" "$ROOT/usr/local/bin/kite-admin"

# Configuration: readable by the kiosk user, writable by root only; never overwritten.
run install -d -m 0755 "$ROOT/etc/kite"
if [ -e "$ROOT/etc/kite/kite.toml" ]; then
  echo "= $ROOT/etc/kite/kite.toml kept (edit it; docs/configuration.md)"
else
  run install -m 0640 "$PACKAGING/kite.toml.example" "$ROOT/etc/kite/kite.toml"
  in_root chgrp kite /etc/kite/kite.toml
fi

# Data: the database, its backups and the file keyring, for the kite user only.
run install -d -m 0700 "$ROOT/var/lib/kite"
in_root chown kite:kite /var/lib/kite
if [ -e "$ROOT/var/lib/kite/keyring.cfg" ]; then
  in_root chown kite:kite /var/lib/kite/keyring.cfg
  run chmod 0600 "$ROOT/var/lib/kite/keyring.cfg"
fi

# The session and its lockdown.
run install -D -m 0644 "$PACKAGING/systemd/kite-kiosk.service" "$ROOT/etc/systemd/system/kite-kiosk.service"
run install -D -m 0644 "$PACKAGING/systemd/kite-call-it.service" "$ROOT/etc/systemd/system/kite-call-it.service"
run install -D -m 0755 "$HERE/call-it" "$ROOT/usr/local/lib/kite/call-it"
run install -D -m 0644 "$HERE/pam.d-kite-kiosk" "$ROOT/etc/pam.d/kite-kiosk"
run install -D -m 0644 "$HERE/logind-kite-kiosk.conf" "$ROOT/etc/systemd/logind.conf.d/kite-kiosk.conf"
run install -D -m 0644 "$HERE/50-kite-kiosk.rules" "$ROOT/etc/polkit-1/rules.d/50-kite-kiosk.rules"
run install -D -m 0644 "$HERE/sysctl-kite-kiosk.conf" "$ROOT/etc/sysctl.d/50-kite-kiosk.conf"

SYSTEMCTL=(systemctl)
[ -z "$ROOT" ] || SYSTEMCTL=(systemctl "--root=$ROOT")
run "${SYSTEMCTL[@]}" disable getty@tty1.service
run "${SYSTEMCTL[@]}" mask ctrl-alt-del.target
run "${SYSTEMCTL[@]}" enable kite-kiosk.service
run "${SYSTEMCTL[@]}" set-default graphical.target

if [ "$DRY_RUN" -eq 1 ]; then
  echo "Dry run: nothing was changed."
else
  echo "Kite kiosk laid out in ${ROOT:-/}. Next: edit /etc/kite/kite.toml, then enroll (docs/it-guide.md)."
fi
