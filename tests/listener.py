#!/usr/bin/env python3
"""Leak listener for the attack tests: records every request it receives.

Any request to it from the sandbox is a leak. The tests read the record at
GET /__log (a JSON list of "METHOD path" strings, excluding /__log itself)
and clear it with POST /__clear. It answers everything with CORS headers so
that the test page itself may read the log.

A path under /__slow/ is recorded, then answered only after SLOW_SECONDS;
if the client hung up meanwhile (an aborted fetch), "ABORTED path" is
recorded too.
"""

import http.server
import json
import select
import socket
import sys
import threading
import time

seen = []
lock = threading.Lock()
SLOW_SECONDS = 5


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, body=b"ok", kind="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        if self.path == "/__log":
            with lock:
                body = json.dumps(seen).encode()
            return self.reply(body, "application/json")
        if self.path == "/__clear":
            with lock:
                seen.clear()
            return self.reply()
        with lock:
            seen.append(f"{self.command} {self.path}")
        if self.path.startswith("/__slow/"):
            time.sleep(SLOW_SECONDS)
            if self.hung_up():
                with lock:
                    seen.append(f"ABORTED {self.path}")
                return
        self.reply()

    def hung_up(self):
        # A client waiting for its answer sends nothing more: a readable
        # socket with nothing to read is a closed one.
        sock = self.connection
        readable, _, _ = select.select([sock], [], [], 0)
        try:
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    do_GET = do_POST = do_PUT = do_OPTIONS = do_DELETE = handle_any

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8799
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listener on http://127.0.0.1:{port}/", flush=True)
    server.serve_forever()
