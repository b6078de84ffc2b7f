"""Raw TCP connections to a server, for attacks that no HTTP client would make.

Every wait is on the socket itself, with a timeout derived from the limit under
test: a connection the server closes in time reads end-of-file (or a reset)
before the timeout; one it holds makes the test fail.
"""

from __future__ import annotations

import itertools
import socket
import time
from urllib.parse import urlsplit

#: What a loaded machine may add to a server's deadline before the test calls it held.
MARGIN_S = 3.0
#: How often a trickling client sends its next byte: far inside any idle limit under test.
TRICKLE_S = 0.25


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def wait_closed(sock: socket.socket, within_s: float) -> float:
    """Seconds until the server closed ``sock``; fails if it is still open after ``within_s``."""
    started = time.monotonic()
    deadline = started + within_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the server still held the connection after {within_s} s")
        sock.settimeout(left)
        try:
            if not sock.recv(4096):
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started


def trickle_until_closed(sock: socket.socket, data: bytes, within_s: float) -> float:
    """Send ``data`` (then padding) one byte every :data:`TRICKLE_S`; seconds until closed.

    Fails if the server still reads the trickle after ``within_s``.
    """
    started = time.monotonic()
    for byte in itertools.chain(data, itertools.repeat(ord("a"))):
        if time.monotonic() - started > within_s:
            raise AssertionError(f"the server still read a trickle after {within_s} s")
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        sock.settimeout(TRICKLE_S)  # wait on the socket: an end-of-file means closed
        try:
            if not sock.recv(4096):
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    raise AssertionError("unreachable")  # pragma: no cover - the chain never ends


def request(sock: socket.socket, path: str = "/v1/health") -> bytes:
    """One keep-alive GET on ``sock``, its answer read whole; the status line and headers."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    sock.settimeout(10)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(4096)
        assert chunk, "closed before answering"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, "closed in the middle of an answer"
        body += chunk
    return head
