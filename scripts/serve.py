#!/usr/bin/env python3
"""Static server for the demo and the end-to-end tests.

Serves the crate root (so /www/, /pkg/ and /node_modules/pyodide/ resolve),
sends `.mjs` and `.js` as text/javascript and `.wasm` as application/wasm,
and sends COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer,
hence KeyboardInterrupt-style interrupts in "worker" isolation).

With --cors it acts as a self-hosted package mirror on another origin: any
origin may fetch from it (the page fetches Pyodide's files and hands the
bytes to the sandbox, so the sandbox itself never needs CORS).

Usage: serve.py [--port N] [--root DIR] [--no-isolation] [--cors]
"""

import argparse
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    isolation = True
    cors = False
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
        super().end_headers()

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
    args = parser.parse_args()
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
