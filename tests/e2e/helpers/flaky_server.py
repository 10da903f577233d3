#!/usr/bin/env python3
"""A fake control plane for client tests: answers each request with the next action of a script,
and logs every request as one JSON line (method, path, headers).

    flaky_server.py PORT_FILE LOG_FILE ACTION...

Actions, used in order (the last one repeats): `drop` closes the connection without an answer,
`reset` closes it with a TCP reset, `503` answers 503 with a problem body, `ok` answers 200 (201
for a submission) with a body that fits the route. The port, chosen by the kernel, is written to
PORT_FILE.
"""
import json
import os
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_file, actions = sys.argv[1], sys.argv[2], sys.argv[3:]
lock = threading.Lock()
count = 0

RUN = {"id": "r-00000000000000aa", "app": "demo", "function": "hello", "version": "v", "args": [],
       "state": "queued", "attempt": 0, "exit_code": None, "signal": None, "reason": "",
       "placement": None, "candidates": [], "created_at": "2026-01-01T00:00:00.000Z",
       "started_at": None, "finished_at": None}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        global count
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            action = actions[min(count, len(actions) - 1)]
            count += 1
            with open(log_file, "a") as log:
                log.write(json.dumps({"method": self.command, "path": self.path, "action": action,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body.decode("utf-8", "replace")}) + "\n")
        if action in ("drop", "reset"):
            if action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if action == "503":
            self.reply(503, {"type": "urn:gpurun:problem:busy", "title": "Service Unavailable", "status": 503,
                             "code": "busy", "detail": "the fake server is busy"}, "application/problem+json")
        elif self.command == "PUT" and self.path.startswith("/v1/apps/"):
            self.reply(200, {"app": "demo", "version": "v", "changed": False, "functions": ["hello"]})
        elif self.command == "POST" and self.path.endswith("/runs"):
            self.reply(201, RUN)
        elif self.path.startswith("/v1/runs/"):
            self.reply(200, RUN)
        elif self.path.startswith("/v1/runs"):
            self.reply(200, {"runs": [RUN]})
        else:
            self.reply(200, {"status": "ok", "version": "fake", "executor": "fake", "simulated": True})

    def reply(self, status, document, content_type="application/json"):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
