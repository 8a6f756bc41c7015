#!/usr/bin/env python3
"""Leak listener for the attack tests: records every request it receives.

Any request to it from the sandbox is a leak. The tests read the record at
GET /__log (a JSON list of "METHOD path" strings, excluding /__log itself)
and clear it with POST /__clear. It answers everything with CORS headers so
that the test page itself may read the log.

A path under /__slow/ is recorded, then answered only after SLOW_SECONDS;
if the client hung up meanwhile (an aborted fetch), "ABORTED path" is
recorded too.

Namespaces let suites share one listener while they run side by side: a
request to /ns/NAME/rest is recorded as "METHOD /rest" in NAME's record,
and /ns/NAME/__log and /ns/NAME/__clear read and clear only that record.
Each test binary takes its own name (tests/common/mod.rs, listener()). A
request outside any namespace is a leak that no suite aimed at: it goes to
a shared record that every __log includes and no __clear empties.
"""

import http.server
import json
import select
import socket
import sys
import threading
import time

stray = []  # requests outside any namespace: never cleared
records = {}  # namespace -> its requests since its last clear
lock = threading.Lock()
SLOW_SECONDS = 5


def split_namespace(path):
    """("NAME", "/rest") for /ns/NAME/rest, else (None, path)."""
    if not path.startswith("/ns/"):
        return None, path
    name, _, rest = path[len("/ns/") :].partition("/")
    return name, "/" + rest


def record(namespace, line):
    with lock:
        (stray if namespace is None else records.setdefault(namespace, [])).append(line)


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
        namespace, path = split_namespace(self.path)
        if path == "/__log":
            with lock:
                if namespace is None:
                    found = [*stray, *(r for rs in records.values() for r in rs)]
                else:
                    found = [*stray, *records.get(namespace, [])]
                body = json.dumps(found).encode()
            return self.reply(body, "application/json")
        if path == "/__clear":
            with lock:
                records.pop(namespace, None)
            return self.reply()
        record(namespace, f"{self.command} {path}")
        if path.startswith("/__slow/"):
            time.sleep(SLOW_SECONDS)
            if self.hung_up():
                record(namespace, f"ABORTED {path}")
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
