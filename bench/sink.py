"""Where the platform's notifications go during a benchmark: a minimal SMTP server and webhook receiver.

Both listen on 127.0.0.1 only and write one JSON line per delivery (the delivery id: the outbox row id
from the email's ``X-Gongzhi-Delivery`` header or the webhook's) to a receipts file, so the soak can
check that every outbox message arrived, and how often. Run: ``python -m bench.sink --port P --out F``
(SMTP on P, HTTP on P+1). It accepts every message; it is a sink, not a mail server.
"""

from __future__ import annotations

import argparse
import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_lock = threading.Lock()


class Receipts:
    def __init__(self, path: Path) -> None:
        self.file = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process

    def add(self, channel: str, delivery: str) -> None:
        with _lock:
            self.file.write(json.dumps({"channel": channel, "delivery": delivery, "at": time.time()}) + "\n")


RECEIPTS: Receipts | None = None


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for Django's SMTP backend: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 bench sink")
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            verb = raw.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 bench")
            elif verb == "DATA":
                self.reply("354 go ahead")
                self.receive()
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")

    def receive(self) -> None:
        delivery = ""
        while True:
            line = self.rfile.readline(1 << 20)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.lower().startswith(b"x-gongzhi-delivery:"):
                delivery = line.split(b":", 1)[1].strip().decode()
        if RECEIPTS is not None:
            RECEIPTS.add("email", delivery)


class HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if RECEIPTS is not None:
            RECEIPTS.add("webhook", self.headers.get("X-Gongzhi-Delivery", ""))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


class ThreadingSmtp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    global RECEIPTS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seconds", type=float, default=3600, help="stop by itself after this long")
    a = p.parse_args()
    RECEIPTS = Receipts(a.out)
    smtp = ThreadingSmtp(("127.0.0.1", a.port), SmtpHandler)
    hook = ThreadingHTTPServer(("127.0.0.1", a.port + 1), HookHandler)
    hook.daemon_threads = True
    for server in (smtp, hook):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    time.sleep(a.seconds)


if __name__ == "__main__":
    main()
