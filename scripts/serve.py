#!/usr/bin/env python3
"""Static server for the demo and the end-to-end tests.

Serves the crate root (so /www/, /pkg/ and /node_modules/pyodide/ resolve),
sends `.mjs` and `.js` as text/javascript and `.wasm` as application/wasm,
and sends COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer,
hence KeyboardInterrupt-style interrupts in "worker" isolation).

With --cors it acts as a self-hosted package mirror on another origin: any
origin may fetch from it (the page fetches Pyodide's files and hands the
bytes to the sandbox, so the sandbox itself never needs CORS).

A folder holding an index.json and no index.html is served as a PEP 691
package index page (tests/fixtures/make_pypi_index.py builds one).

With --csp POLICY (or --csp-file FILE, re-read at each request so a test can
change the policy between pages) HTML pages are sent with that
Content-Security-Policy header, to try pycage on a strict host page.

Usage: serve.py [--port N] [--root DIR] [--no-isolation] [--cors]
                [--csp POLICY | --csp-file FILE]
"""

import argparse
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    isolation = True
    cors = False
    csp = None
    csp_file = None
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".whl": "application/octet-stream",
        ".zip": "application/zip",
    }

    def end_headers(self):
        if self.isolation:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        if self.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin" if self.cors else "same-origin")
        self.send_header("Cache-Control", "no-cache")
        policy = self.policy()
        if policy and self.path.split("?")[0].endswith((".html", "/")):
            self.send_header("Content-Security-Policy", policy)
        super().end_headers()

    def send_head(self):
        # A PEP 691 package index laid out as files (tests/fixtures/
        # make_pypi_index.py): a folder with an index.json and no index.html
        # answers with that JSON, typed as the simple API's.
        folder = self.translate_path(self.path)
        if (
            self.path.split("?")[0].endswith("/")
            and os.path.isfile(os.path.join(folder, "index.json"))
            and not os.path.exists(os.path.join(folder, "index.html"))
        ):
            self.path = self.path.split("?")[0] + "index.json"
            self.extensions_map = {**self.extensions_map, ".json": "application/vnd.pypi.simple.v1+json"}
        return super().send_head()

    def policy(self):
        if self.csp_file:
            with open(self.csp_file) as f:
                return f.read().strip()
        return self.csp

    def log_message(self, fmt, *args):
        if os.environ.get("PYCAGE_SERVE_LOG"):
            super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A browser that stops reading (a closed tab, a cancelled fetch) is normal.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--no-isolation", action="store_true")
    parser.add_argument("--cors", action="store_true")
    parser.add_argument("--csp", help="Content-Security-Policy of HTML pages")
    parser.add_argument("--csp-file", help="a file holding it, re-read at each request")
    args = parser.parse_args()
    Handler.csp = args.csp
    Handler.csp_file = args.csp_file and os.path.abspath(args.csp_file)
    Handler.isolation = not args.no_isolation
    Handler.cors = args.cors
    handler = functools.partial(Handler, directory=os.path.abspath(args.root))
    server = Server(("127.0.0.1", args.port), handler)
    print(f"serving {os.path.abspath(args.root)} at http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
