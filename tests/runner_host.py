#!/usr/bin/env python3
"""A second site for the runnerUrl tests: serves pycage's runner page.

The test page (on 127.0.0.1) POSTs runnerHtml()'s document to /runner.html
and then points runnerUrl at http://localhost:PORT/runner.html: localhost is
another site, so Chromium gives the frame its own process. GET /runner.html
answers with the headers docs/serving.md asks a runner page to send, and GET
/runner-no-coep.html the same document without COEP. Any other
path is a plain page that is not a runner (the misconfiguration test).
"""

import http.server
import sys

document = b""


class Handler(http.server.BaseHTTPRequestHandler):
    def send(self, status, body, kind, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):
        self.send(
            204, b"", "text/plain", [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "POST")]
        )

    def do_POST(self):
        global document
        document = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send(200, b"stored", "text/plain", [("Access-Control-Allow-Origin", "*")])

    def do_GET(self):
        # What a page on a cross-origin-isolated site may frame: COEP (it is
        # then isolated too, so interrupts work) and CORP cross-origin.
        embeddable = [
            ("Cross-Origin-Embedder-Policy", "require-corp"),
            ("Cross-Origin-Resource-Policy", "cross-origin"),
        ]
        if self.path == "/runner.html" and document:
            self.send(200, document, "text/html; charset=utf-8", embeddable)
        elif self.path == "/runner-no-coep.html" and document:
            # For pages that are not isolated: COEP gains them nothing, and
            # WebKit refuses the runner's blob: worker under it.
            self.send(200, document, "text/html; charset=utf-8")
        else:
            self.send(200, b"<!doctype html><title>not a runner</title>", "text/html", embeddable)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8798
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"runner host on http://localhost:{port}/", flush=True)
    server.serve_forever()
