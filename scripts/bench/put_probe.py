#!/usr/bin/env python3
"""Client-side view of a maintenance operation: puts, one at a time, through the JSON gateway.

   scripts/bench/put_probe.py HOST:PORT OUT_FILE STOP_FILE [max_seconds=600]

Loops POST /v3/kv/put on one keep-alive connection until STOP_FILE exists (or max_seconds pass),
writing "<wall-clock start> <latency seconds>" per request to OUT_FILE. Then

   scripts/bench/put_probe.py --window OUT_FILE T0 T1

prints, for the puts that started or finished inside [T0, T1] (wall clock, seconds): how many
completed, p50, p99 and max latency, and the longest gap without a completed put, as JSON.
"""
import base64, http.client, json, os, sys, time


def probe(ep, out, stop, max_seconds):
    host, port = ep.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    body = json.dumps({"key": base64.b64encode(b"probe").decode(),
                       "value": base64.b64encode(b"x" * 100).decode()})
    deadline = time.time() + max_seconds
    with open(out, "w") as f:
        while not os.path.exists(stop) and time.time() < deadline:
            t = time.time()
            conn.request("POST", "/v3/kv/put", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"{ep}: HTTP {r.status}")
            f.write(f"{t:.6f} {time.time() - t:.6f}\n")


def window(out, t0, t1):
    rows = [tuple(map(float, line.split())) for line in open(out) if line.strip()]
    inside = [(s, l) for s, l in rows if s + l >= t0 and s <= t1]
    lat = sorted(l for _, l in inside)
    ends = sorted([t0] + [s + l for s, l in inside if t0 <= s + l <= t1] + [t1])
    gap = max(b - a for a, b in zip(ends, ends[1:]))
    pick = lambda q: round(lat[min(len(lat) - 1, int(len(lat) * q))] * 1000, 2) if lat else None
    print(json.dumps({"puts": len(inside), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                      "max_ms": pick(1.0), "longest_gap_ms": round(gap * 1000, 1),
                      "window_s": round(t1 - t0, 2)}))


if __name__ == "__main__":
    if sys.argv[1] == "--window":
        window(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        probe(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 600)
