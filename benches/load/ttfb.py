#!/usr/bin/env python3
"""When a shopper's browser gets a streamed category page: a paced origin and a timing client.

  ttfb.py origin --port P --page FILE [--pause-ms 150] [--rate-mbps 4] [--chunk 16384]
      An HTTP/1.1 origin that answers every GET with FILE, chunked: the document up to and
      including its <body ...> tag at once (as servers that flush their head do), then a pause,
      then the rest at RATE MB/s. Keep-alive; one thread per connection.

  ttfb.py client --url URL --marker TEXT [--runs 30] [--cookie-per-run]
      GETs URL RUNS times, one at a time, and prints the medians (ms) of: time to the response
      head, to the first body byte, to the first body bytes that contain MARKER (the end of the
      listing), and to the last byte; plus the p90s. Every run is a new connection and, with
      --cookie-per-run, a new shopper session (so the ranking is never cached).
"""
import argparse
import http.client
import socket
import statistics
import sys
import threading
import time
import urllib.parse
import uuid


def serve_origin(args):
    page = open(args.page, "rb").read()
    cut = page.find(b">", page.find(b"<body")) + 1
    head, rest = page[:cut], page[cut:]
    delay = args.chunk / (args.rate_mbps * 1_000_000)

    def chunk(data):
        return b"%x\r\n%s\r\n" % (len(data), data)

    def handle(conn):
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                _, buf = buf.split(b"\r\n\r\n", 1)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
                    b"cache-control: public, max-age=60\r\ntransfer-encoding: chunked\r\n\r\n"
                    + chunk(head)
                )
                time.sleep(args.pause_ms / 1000)
                for i in range(0, len(rest), args.chunk):
                    started = time.monotonic()
                    conn.sendall(chunk(rest[i : i + args.chunk]))
                    left = delay - (time.monotonic() - started)
                    if left > 0:
                        time.sleep(left)
                conn.sendall(b"0\r\n\r\n")

    srv = socket.create_server(("127.0.0.1", args.port), reuse_port=False)
    srv.listen(256)
    print(f"paced origin on 127.0.0.1:{args.port}", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def one_run(url, marker, cookie):
    parts = urllib.parse.urlsplit(url)
    started = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Accept-Encoding": "identity", "TE": "trailers"}
    if cookie:
        headers["Cookie"] = f"reshelf_sid={uuid.uuid4().hex}"
    conn.request("GET", parts.path or "/", headers=headers)
    resp = conn.getresponse()
    t_head = time.monotonic() - started
    t_first = t_marker = None
    tail = b""
    while True:
        data = resp.read1(65536)
        if not data:
            break
        now = time.monotonic() - started
        if t_first is None:
            t_first = now
        if t_marker is None and marker in tail[-len(marker) :] + data:
            t_marker = now
        tail = (tail + data)[-4096:]
    t_last = time.monotonic() - started
    conn.close()
    return t_head, t_first, t_marker, t_last


def run_client(args):
    marker = args.marker.encode()
    rows = [one_run(args.url, marker, args.cookie_per_run) for _ in range(args.runs)]
    if any(r[2] is None for r in rows):
        sys.exit(f"marker {args.marker!r} not seen in some responses")
    names = ["head", "first_byte", "listing_end", "last_byte"]
    out = []
    for i, name in enumerate(names):
        ms = sorted(r[i] * 1000 for r in rows)
        p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
        out.append(f"{name}={statistics.median(ms):.1f}/{p90:.1f}")
    print(" ".join(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("origin")
    o.add_argument("--port", type=int, required=True)
    o.add_argument("--page", required=True)
    o.add_argument("--pause-ms", type=float, default=150)
    o.add_argument("--rate-mbps", type=float, default=4)
    o.add_argument("--chunk", type=int, default=16384)
    c = sub.add_parser("client")
    c.add_argument("--url", required=True)
    c.add_argument("--marker", required=True)
    c.add_argument("--runs", type=int, default=30)
    c.add_argument("--cookie-per-run", action="store_true")
    args = p.parse_args()
    serve_origin(args) if args.cmd == "origin" else run_client(args)


if __name__ == "__main__":
    main()
