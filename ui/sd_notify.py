"""systemd's notification protocol (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1.

A datagram to the Unix socket named by ``NOTIFY_SOCKET`` (``@name`` for the
abstract namespace). Written here, not taken from a library, because the ones
on offer do not fit a kiosk bundle: ``sdnotify`` has had no release since 2017,
and ``systemd-python`` and ``cysystemd`` are C extensions built against
libsystemd (headers on the build machine, one more native library in the bundle)
for what sd_notify(3) documents as a stable protocol of one ``sendto`` call.

The watchdog is on when systemd set ``WATCHDOG_USEC``. ``WATCHDOG_PID`` is not
checked: under the kiosk unit systemd's main process is cage and Kite its child,
so the unit says ``NotifyAccess=all`` and Kite pings on cage's behalf.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends notifications to systemd; does nothing when not started by a notify unit."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        self.address: str | None = None
        if address.startswith("@"):
            self.address = "\0" + address[1:]
        elif address.startswith("/"):
            self.address = address
        self.watchdog_usec = _positive_int(environ.get("WATCHDOG_USEC"))
        self._socket: socket.socket | None = None
        self._warned = False

    @property
    def active(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval_ms(self) -> int | None:
        """How often to ping: half the unit's WatchdogSec, as systemd advises; None if off."""
        if self.address is None or self.watchdog_usec is None:
            return None
        return max(1, self.watchdog_usec // 2000)

    def notify(self, state: str) -> bool:
        """Send ``state`` (``"READY=1"``...); False if not under systemd or it failed."""
        if self.address is None:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(
                    socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                )
            self._socket.sendto(state.encode("utf-8"), self.address)
        except OSError as exc:
            if not self._warned:  # once: a failing socket must not flood the journal every ping
                log.warning("could not notify systemd (%s): %s", state, exc)
                self._warned = True
            return False
        return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None
