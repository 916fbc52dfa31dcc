#!/usr/bin/env python3
"""JSON gateway throughput, Cairn beside real etcd: curl-style POSTs of /v3/kv/put and /v3/kv/range.

   scripts/bench/gateway.py CAIRN_HOST:PORT ETCD_HOST:PORT [requests=2000] [threads=8] [warm=20000]
   scripts/bench/gateway.py --one HOST:PORT[,HOST:PORT...] put|range REQUESTS THREADS

The --one form measures one server (or cluster: connection i goes to address i mod n) and prints
its figures in the shape of etcd's benchmark report ("Requests/sec:", "50% in S secs."), so
compare-all.sh reads them like any other run; it exits non-zero on the first non-200 answer.

Sequential: one keep-alive HTTP/1.1 connection, one request at a time (as a script looping curl
would, minus process start-up). Concurrent: `threads` connections in parallel. Prints a markdown
table with requests/s, p50 and p99 for each and the ratio Cairn/etcd. Bounded by the request count.
First `warm` puts and as many ranges (`threads` connections) on each server, unmeasured: the JVM compiles
the gateway's code only once it serves requests, and C1/C2 took over half of Cairn's CPU in the first
few thousand gateway requests of a server warmed up over gRPC only.
"""
import base64, http.client, json, sys, threading, time

def b64(s):
    return base64.b64encode(s.encode()).decode()

def run(ep, path, bodies, threads):
    eps = [e.split(":") for e in ep.split(",")]
    lat = []
    lock = threading.Lock()
    def worker(i, chunk):
        host, port = eps[i % len(eps)]
        c = http.client.HTTPConnection(host, int(port), timeout=30)
        mine = []
        for body in chunk:
            t = time.perf_counter()
            c.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"{ep}{path}: HTTP {r.status}")
            mine.append(time.perf_counter() - t)
        c.close()
        with lock:
            lat.extend(mine)
    chunks = [bodies[i::threads] for i in range(threads)]
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(i, ch)) for i, ch in enumerate(chunks)]
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    return len(lat) / wall, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000

def bodies_for(kind, n):
    if kind == "put":
        return "/v3/kv/put", [json.dumps({"key": b64(f"gw/{i % 1000}"), "value": b64("x" * 256)}) for i in range(n)]
    return "/v3/kv/range", [json.dumps({"key": b64(f"gw/{i % 1000}")}) for i in range(n)]

def one(ep, kind, n, threads):
    path, bodies = bodies_for(kind, n)
    rps, p50, p99 = run(ep, path, bodies, threads)
    print(f"Requests/sec:\t{rps:.4f}")
    print(f"  50% in {p50 / 1000:.6f} secs.")
    print(f"  99% in {p99 / 1000:.6f} secs.")

def main():
    if sys.argv[1] == "--one":
        one(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return
    cairn, etcd = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    warm = int(sys.argv[5]) if len(sys.argv) > 5 else 20000
    for kind in ("put", "range"):
        path, bodies = bodies_for(kind, warm)
        for ep in (etcd, cairn):
            if warm:
                run(ep, path, bodies, threads)
    puts = [json.dumps({"key": b64(f"gw/{i % 1000}"), "value": b64("x" * 256)}) for i in range(n)]
    ranges = [json.dumps({"key": b64(f"gw/{i % 1000}")}) for i in range(n)]
    print("| workload | Cairn req/s (p50 / p99 ms) | etcd req/s (p50 / p99 ms) | Cairn/etcd |")
    print("|---|---|---|---|")
    for name, path, bodies, th in [("put, sequential", "/v3/kv/put", puts, 1),
                                   ("range, sequential", "/v3/kv/range", ranges, 1),
                                   (f"put, {threads} connections", "/v3/kv/put", puts, threads),
                                   (f"range, {threads} connections", "/v3/kv/range", ranges, threads)]:
        # warm-up, then alternate: etcd, Cairn
        run(etcd, path, bodies[:200], th); run(cairn, path, bodies[:200], th)
        e = run(etcd, path, bodies, th)
        c = run(cairn, path, bodies, th)
        print(f"| {name} | {c[0]:.0f} ({c[1]:.2f} / {c[2]:.2f}) | {e[0]:.0f} ({e[1]:.2f} / {e[2]:.2f}) | {c[0] / e[0]:.2f} |")

if __name__ == "__main__":
    main()
