"""HTTP API benchmark (not a test): POST /api/advise requests/s and p50/p99 latency with 1, 8
and 32 concurrent clients against a real `followup serve` process, beside the in-process library
throughput (followup.advise on the same scenarios) measured just before and just after each API
figure; the table shows the median of --rounds rounds (the speed of a shared VM drifts).

    python bench/http.py [--requests N] [--rounds R]

The clients are plain asyncio HTTP/1.1 keep-alive connections in this process (a light client,
so it takes little of the machine the server runs on). Traffic goes to 127.0.0.1 only; the run
is bounded by --requests per client count and stops by itself.
"""

from __future__ import annotations

import os
import sys

# this file is named http.py: keep its directory off the path, or it would stand in for the
# standard library's http package (which urllib and asyncio's streams users import)
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))


def scenarios(n: int) -> list[dict]:
    """n varied valid scenarios (history and context differ; all asked on 2026-11-20)."""
    out = []
    cultures = ["startup", "traditional", "unknown"]
    for i in range(n):
        day = 1 + i % 15
        history = [{"kind": "thank_you", "date": f"2026-11-{day:02d}"}]
        if i % 3:
            history.append({"kind": "follow_up", "date": f"2026-11-{min(day + 7, 20):02d}"})
        out.append(
            {
                "id": f"s{i}",
                "as_of": "2026-11-20",
                "company": {"name": "Acme", "culture": cultures[i % 3]},
                "interview": {"date": f"2026-11-{day:02d}"},
                "history": history,
            }
        )
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def library(items: list[dict]) -> tuple[float, float, float]:
    import followup

    rules = followup.load_rules()
    for s in items[:200]:
        followup.advise(s, rules=rules)  # warm up
    lat = []
    start = time.perf_counter()
    for s in items:
        t = time.perf_counter()
        followup.advise(s, rules=rules)
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    return len(items) / total, pct(lat, 0.5), pct(lat, 0.99)


async def client(port: int, bodies: list[bytes], lat: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST /api/advise HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    for body in bodies:
        t = time.perf_counter()
        writer.write((head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        status = await reader.readline()
        length = 0
        chunked = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                chunked = True
        if chunked:  # not expected for /api/advise
            raise RuntimeError("chunked response")
        await reader.readexactly(length)
        assert status.split()[1] == b"200", status
        lat.append(time.perf_counter() - t)
    writer.close()


async def load(port: int, items: list[dict], clients: int, total: int) -> tuple[float, float, float]:
    bodies = [json.dumps(s).encode() for s in items]
    per = total // clients
    lat: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(
        *(
            client(port, [bodies[(c * per + i) % len(bodies)] for i in range(per)], lat)
            for c in range(clients)
        )
    )
    total_time = time.perf_counter() - start
    return len(lat) / total_time, pct(lat, 0.5), pct(lat, 0.99)


def cpu_seconds(pid: int) -> float | None:
    """A process's CPU time so far (user + system), from /proc where there is one."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def library_cpu(items: list[dict]) -> float:
    """The library's CPU seconds per call (this process's CPU time over a pass)."""
    import followup

    rules = followup.load_rules()
    start = time.process_time()
    for s in items:
        followup.advise(s, rules=rules)
    return (time.process_time() - start) / len(items)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per client count")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds (the table shows each measure's median)"
    )
    args = parser.parse_args()
    items = scenarios(2000)
    exe = os.path.join(os.path.dirname(sys.executable), "followup")
    port = free_port()
    server = subprocess.Popen([exe, "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    counts = (1, 8, 32)
    rounds: list[dict[object, tuple[float, ...]]] = []
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        asyncio.run(load(port, items, 4, 400))  # warm up
        lib_items = items * (args.requests // len(items) + 1)
        # this machine's speed drifts by a third within a minute: each API measure is compared with
        # the library measured just before and just after it, and the table shows medians
        for _ in range(args.rounds):
            row: dict[object, tuple[float, ...]] = {}
            for clients in counts:
                before = library(lib_items)
                api = asyncio.run(load(port, items, clients, args.requests))
                after = library(lib_items)
                row[clients] = (*api, api[0] / ((before[0] + after[0]) / 2))
                row["library", clients] = before
                row["library", -clients] = after
            # the same comparison in CPU time, which other load on the machine disturbs less:
            # the server's CPU per request (all of it: HTTP, JSON, the answer) against the
            # library's per call
            used = cpu_seconds(server.pid)
            asyncio.run(load(port, items, 8, args.requests))
            if used is not None:
                per_request = (cpu_seconds(server.pid) or 0.0) - used
                row["cpu"] = (per_request / args.requests, library_cpu(lib_items))
            rounds.append(row)
    finally:
        server.terminate()
        server.wait(10)

    def median(key: object, index: int) -> float:
        return statistics.median(r[key][index] for r in rounds)

    def lib(index: int) -> float:
        return statistics.median(v[index] for r in rounds for k, v in r.items() if isinstance(k, tuple))

    cpu = [r["cpu"] for r in rounds if "cpu" in r]

    def ratio(key: object) -> float:  # the API's rate over the library's around it, median of rounds
        return median(key, 3)

    print(
        f"followup-advisor HTTP benchmark: {args.requests} requests per row, median of {args.rounds} rounds, "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print()
    print("| measure | requests/s | p50 | p99 | vs library |")
    print("|---|---|---|---|---|")
    print(
        f"| library, in-process `followup.advise` | {lib(0):,.0f} | {lib(1) * 1e6:.0f} us "
        f"| {lib(2) * 1e6:.0f} us | 100% |"
    )
    for clients in counts:
        print(
            f"| POST /api/advise, {clients} client(s) | {median(clients, 0):,.0f} | {median(clients, 1) * 1e3:.2f} ms "
            f"| {median(clients, 2) * 1e3:.2f} ms | {ratio(clients):.0%} |"
        )
    best = max(ratio(c) for c in counts)
    if cpu:
        server_us = statistics.median(c[0] for c in cpu) * 1e6
        library_us = statistics.median(c[1] for c in cpu) * 1e6
        share = statistics.median(c[1] / c[0] for c in cpu)
        print()
        print(
            f"CPU per answer: server {server_us:.0f} us per request (8 clients), library {library_us:.0f} us "
            f"per call: the library's work is {share:.0%} of the server's (median of rounds)"
        )
    print()
    print(f"best API / library throughput: {best:.0%} (target >= 50%): {'ok' if best >= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
