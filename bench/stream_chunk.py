#!/usr/bin/env python3
"""How the size of a streamed answer's buffer (CHUNK in src/runtime/stream.rs)
plays out: serves one streamed invocation at a time to the test probe
(`cargo build --release --example probe`, its `probe_stream` handler) and reads
the chunked answer, RUNS times; prints the median's time to first byte,
throughput, the runtime's own CPU per MB (from /proc/<pid>/schedstat) and its
peak RSS.

    bench/stream_chunk.py target/release/examples/probe BYTES RUNS PIECE

PIECE is the size of each of the handler's writes (100 for a trickle of
small writes, 65536 for bulk). To compare buffer sizes, build the probe once
per value of CHUNK. The reader runs in this same process, on the same CPU
if pinned (taskset -c 0): compare the CPU per MB, which is the runtime's.
"""
import json
import os
import socket
import subprocess
import sys
import time

BIN, SIZE, RUNS, PIECE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def read_head(f):
    lines = []
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            return lines
        lines.append(line)


def serve_once():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    port = ls.getsockname()[1]
    env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}", "_HANDLER": "probe_stream"}
    p = subprocess.Popen([BIN], env=env, stderr=subprocess.DEVNULL)
    c1, _ = ls.accept()
    f1 = c1.makefile("rb")
    read_head(f1)  # GET /next
    body = json.dumps({"bytes": SIZE, "piece": PIECE}).encode()
    t0 = time.perf_counter()
    c1.sendall(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c2, _ = ls.accept()  # the stream's own connection
    f2 = c2.makefile("rb", buffering=1 << 20)
    read_head(f2)
    got, first = 0, None
    while True:
        n = int(f2.readline().strip(), 16)
        if n == 0:
            break
        if first is None:
            first = time.perf_counter()
        got += len(f2.read(n))
        f2.read(2)
    read_head(f2)  # trailers
    t1 = time.perf_counter()
    c2.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
    read_head(f1)  # the next GET /next: the runtime is idle
    cpu = int(open(f"/proc/{p.pid}/schedstat").read().split()[0]) / 1e9
    hwm = [l for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM")][0].split()[1]
    for s in (f1, c1, f2, c2, ls):
        s.close()
    p.wait()
    assert got == SIZE, f"got {got} bytes, asked for {SIZE}"
    return (first - t0) * 1e3, SIZE / (t1 - first) / 1e6, cpu / (SIZE / 1e6) * 1e3, int(hwm)


runs = sorted((serve_once() for _ in range(RUNS)), key=lambda r: r[2])
ttfb, mbs, cpu, hwm = runs[len(runs) // 2]
print(f"ttfb {ttfb:.2f} ms, {mbs:.0f} MB/s, cpu {cpu:.3f} ms/MB, peak RSS {hwm} KiB")
