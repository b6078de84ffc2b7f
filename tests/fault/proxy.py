"""A fault-injecting HTTP proxy on loopback, between the terminal and the real server.

Each request the terminal sends is forwarded to the server (one connection per
request, ``Connection: close``) and, by a seeded plan, one fault is applied:

- ``drop``: close the connection before forwarding (the server never sees it);
- ``reset_after``: forward, let the server act, then reset the connection
  mid-way through the answer (the classic "did it go through?" case);
- ``truncate``: forward, then send the head and half of the body, and close;
- ``delay``: forward, then hold the answer past the terminal's read timeout;
- ``error_5xx``: forward (the server acts), then answer 502 instead;
- ``pass``: forward untouched.

Loopback only; bounded by the test that runs it.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

FAULTS = ("drop", "reset_after", "truncate", "delay", "error_5xx")


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _with_close(response: bytes) -> bytes:
    head, sep, body = response.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + sep + body


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class FaultProxy:
    """Forward to ``upstream`` ("host", port), applying faults at ``rate`` from ``seed``."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        seed: int,
        rate: float = 0.3,
        faults: tuple[str, ...] = FAULTS,
        delay_s: float = 3.0,
    ) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.rate = rate
        self.faults = faults
        self.delay_s = delay_s
        self.applied: Counter[str] = Counter()
        self.enabled = True
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        assert self._listener is not None
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def _choose(self) -> str:
        with self._lock:
            if not self.enabled or self.rng.random() >= self.rate:
                fault = "pass"
            else:
                fault = self.rng.choice(self.faults)
            self.applied[fault] += 1
            return fault

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            request = _read_request(conn)
            if request is None:
                conn.close()
                return
            fault = self._choose()
            self.before_forward(request)
            if fault == "drop":
                conn.close()
                return
            with socket.create_connection(self.upstream, timeout=90) as up:
                up.sendall(request)
                chunks = []
                while True:
                    chunk = up.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            response = _with_close(b"".join(chunks))
            self.answered(request, response)
            if fault == "reset_after":
                conn.sendall(response[: max(1, len(response) // 3)])
                _reset(conn)
                return
            if fault == "truncate":
                head, sep, body = response.partition(b"\r\n\r\n")
                conn.sendall(head + sep + body[: len(body) // 2])
                conn.close()
                return
            if fault == "delay":
                self._stop.wait(self.delay_s)
            if fault == "error_5xx":
                body = b'{"error": {"code": "bad_gateway", "message": "proxy", "params": {}}}'
                response = (
                    b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n".encode()
                    + b"Connection: close\r\n\r\n"
                    + body
                )
            conn.sendall(response)
            conn.close()
        except OSError:
            conn.close()

    def before_forward(self, request: bytes) -> None:
        """Called with each request before it is forwarded (a test may hold it here)."""

    def answered(self, request: bytes, response: bytes) -> None:
        """Called with each request and the server's whole answer, before it is passed on."""

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @contextmanager
    def running(self) -> Iterator[FaultProxy]:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self._listener = listener
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            # close() alone does not wake a thread blocked in accept(); shutdown() does (the
            # join below otherwise ran out its whole timeout at the end of every test).
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
            thread.join(5)
            time.sleep(0)
