#!/usr/bin/env python3
"""Hostile HTTP clients for the end-to-end tests, on raw sockets.

    raw_http.py send PORT            sends stdin, then ends its side; prints the status code of the
                                     answer, or `closed`
    raw_http.py slow PORT N          N clients sending a header a byte a second; prints, once the
                                     server has closed them all, the longest time one stayed open
    raw_http.py idle PORT N SECONDS  N connections that send nothing for SECONDS; prints how many
                                     were answered 503, closed by the server, or still open
    raw_http.py flood PORT TOKEN N   N clients at once, 5 requests each; prints `status count` lines
"""
import http.client
import socket
import sys
import threading
import time
from collections import Counter

HOST = "127.0.0.1"


def status_of(sock, timeout=15):
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:  # timed out, reset
        pass
    parts = data.split(b" ")
    return parts[1].decode() if data.startswith(b"HTTP/") and len(parts) > 1 else "closed"


def send(port):
    request = sys.stdin.buffer.read()
    sock = socket.create_connection((HOST, port))
    try:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)  # the end of the input is the end of the request
    except OSError:  # the server closed first
        pass
    print(status_of(sock))


def slow(port, n):
    spans = []

    def client():
        start = time.monotonic()
        sock = socket.create_connection((HOST, port))
        sock.settimeout(1)
        try:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while time.monotonic() - start < 60:
                sock.sendall(b"a")
                try:
                    if not sock.recv(4096):
                        break
                    break  # an answer (408): the server gave up on the request
                except socket.timeout:
                    pass
        except ConnectionError:
            pass
        spans.append(time.monotonic() - start)
        sock.close()

    threads = [threading.Thread(target=client) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{max(spans):.1f}")


def idle(port, n, seconds):
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection((HOST, port)))
        except OSError:
            pass
    time.sleep(seconds)
    outcome = Counter()
    for sock in socks:
        sock.setblocking(False)
        try:
            data = sock.recv(4096)
            outcome["503" if data.startswith(b"HTTP/1.1 503") else "closed" if not data else "other"] += 1
        except BlockingIOError:
            outcome["open"] += 1
        except ConnectionError:
            outcome["closed"] += 1
        sock.close()
    print(" ".join(f"{k}={v}" for k, v in sorted(outcome.items())))


def flood(port, token, n):
    counts = Counter()
    lock = threading.Lock()

    def client():
        for _ in range(5):
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request("GET", "/v1/runs?limit=5", headers={"Authorization": f"Bearer {token}"})
                status = str(conn.getresponse().status)
                conn.close()
            except Exception as e:  # any failure to get an answer counts
                status = type(e).__name__
            with lock:
                counts[status] += 1

    threads = [threading.Thread(target=client) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for status, count in sorted(counts.items()):
        print(status, count)


command, port = sys.argv[1], int(sys.argv[2])
if command == "send":
    send(port)
elif command == "slow":
    slow(port, int(sys.argv[3]))
elif command == "idle":
    idle(port, int(sys.argv[3]), float(sys.argv[4]))
elif command == "flood":
    flood(port, sys.argv[3], int(sys.argv[4]))
