"""A scripted HTTP server on loopback that plays a hostile or broken central server.

It answers each request with the next scripted :class:`Reply` (or the default),
and records what the terminal sent. It is the adversary of the suites that
prove the client survives what a real server should never send.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay_s: float = 0.0
    truncate_to: int | None = None  # announce the full length, send only this many bytes


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class StubServer:
    def __init__(self) -> None:
        self.replies: deque[Reply | Callable[[Seen], Reply]] = deque()
        self.default: Reply | Callable[[Seen], Reply] = Reply(
            404, b'{"error":{"code":"not_found","message":"no script","params":{}}}'
        )
        self.seen: list[Seen] = []
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply | Callable[[Seen], Reply]) -> None:
        self.replies.extend(replies)

    def _next(self, seen: Seen) -> Reply:
        reply = self.replies.popleft() if self.replies else self.default
        return reply(seen) if callable(reply) else reply

    @contextmanager
    def running(self) -> Iterator[StubServer]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The head and the body go out in two writes: with Nagle on, each answer after the
            # first on a keep-alive connection waited ~40 ms for the client's delayed ACK.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, dict(self.headers.items()), body)
                stub.seen.append(seen)
                reply = stub._next(seen)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                payload = reply.body
                if reply.truncate_to is not None:
                    payload = payload[: reply.truncate_to]
                    self.close_connection = True
                try:
                    self.wfile.write(payload)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_CONNECT = _serve  # CONNECT: when it plays a proxy

            def log_message(self, format: str, *args: object) -> None:
                return

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        # shutdown() waits for the loop's next look at its flag: every poll_interval (0.5 s
        # by default, which every test paid once at its end).
        thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(5)
