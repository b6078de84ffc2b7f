"""Trying a release before the kiosk runs it: its self-test, then a start until READY.

The start uses systemd's own notification protocol (sd_notify(3)): the updater
binds a datagram socket, starts the release with ``NOTIFY_SOCKET`` naming it, and
waits for ``READY=1``, which Kite sends once the sign-in screen is painted
(``ui/liveness.py``). The release exiting first, or no READY within the timeout,
is a failure with the release's own last words in the message.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sync.update import UpdateError

TAIL = 1500  # characters of the release's output quoted in an error
# What the kiosk unit sets (UMask=0077): a store the trial creates is the kite user's only.
UMASK = 0o077


def as_user(run_as: str, command: Sequence[str]) -> list[str]:
    return ["runuser", "-u", run_as, "--", *command] if run_as else list(command)


def self_test(command: Sequence[str], env: dict[str, str], timeout: float) -> None:
    """Run ``command`` (the release's ``--smoke-test``); it must exit 0 within ``timeout``."""
    try:
        result = subprocess.run(
            list(command),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            umask=UMASK,
        )
    except subprocess.TimeoutExpired as exc:
        raise UpdateError(f"its self-test did not finish within {timeout:g} s") from exc
    except OSError as exc:
        raise UpdateError(f"its self-test could not start: {exc}") from exc
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip()[-TAIL:]
        raise UpdateError(f"its self-test failed (exit status {result.returncode}): {said}")


def wait_for_ready(command: Sequence[str], env: dict[str, str], timeout: float) -> None:
    """Start ``command`` and return once it sent READY=1; stop it either way."""
    with tempfile.TemporaryDirectory(prefix="kite-update-") as folder:
        # The release may run as another user (the kiosk's): it must reach the socket.
        os.chmod(folder, 0o711)
        address = str(Path(folder) / "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.bind(address)
            os.chmod(address, 0o666)
            log = Path(folder) / "output"
            with log.open("w+b") as output:
                try:
                    process = subprocess.Popen(
                        list(command),
                        env={**env, "NOTIFY_SOCKET": address},
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        umask=UMASK,
                    )
                except OSError as exc:
                    raise UpdateError(f"it could not start: {exc}") from exc
                try:
                    _await_ready(notify, process, timeout, log)
                finally:
                    _stop(process)


def _await_ready(
    notify: socket.socket, process: subprocess.Popen[bytes], timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise UpdateError(f"it did not report READY within {timeout:g} s{_last_words(log)}")
        readable, _, _ = select.select([notify], [], [], min(left, 0.2))
        if readable:
            message = notify.recv(4096).decode("utf-8", "replace")
            if "READY=1" in message.splitlines():
                return
        elif process.poll() is not None:
            raise UpdateError(
                f"it exited (status {process.returncode}) before reporting READY{_last_words(log)}"
            )


def _last_words(log: Path) -> str:
    said = log.read_bytes().decode("utf-8", "replace").strip()[-TAIL:]
    return f"; its output ends: {said}" if said else ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
