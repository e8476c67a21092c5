"""Benchmark of `followup track`: python bench/track.py [--quick] [-n 1000]

Over N generated applications (bench/run.py's realistic scenarios, imported into a fresh
database), times as a user runs them (a new process each, median of several runs):
  - `track list`, `track list --format json`, `track today`, `track show ID`;
  - beside `followup batch` on the same scenarios (JSON Lines, --workers 1 and 2);
  - the same for 100 applications (target: well under a second);
and, in one process (best of several runs), where the time of `track list` goes: reading the applications from the
store (SQL and JSON), answering them (validate, evaluate, draft) and rendering, beside batch's
own per-line work (answer_line) on the same scenarios. Nothing here is a test.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import lines  # noqa: E402  bench/run.py's generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "rules")
AS_OF = "2026-11-20"
FOLLOWUP = [sys.executable, "-m", "followup.cli"]


def median_ms(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def in_process(db: str, data: list[str], runs: int) -> dict[str, float]:
    """Milliseconds (the best of `runs`, as timeit reports: the least disturbed by other work on
    the machine) of each step of `track list`, and of batch's per-line work."""
    from followup.batch.answer import Context, answer_line
    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes, render
    from followup.tracker.store import open_store

    advisor = load_advisor(RULES)
    day = dt.date.fromisoformat(AS_OF)
    ctx = Context("<bench>", RULES, day, day)
    encoded = [line.encode("utf-8") for line in data]
    steps: dict[str, list[float]] = {k: [] for k in ("open", "read", "answer", "render", "batch")}
    for _ in range(runs):
        t0 = time.perf_counter()
        store = open_store(db, create=False)
        t1 = time.perf_counter()
        apps = changes.applications(store)
        t2 = time.perf_counter()
        found = answers.answers(advisor, apps, day)
        t3 = time.perf_counter()
        render.list_text(found, day)
        t4 = time.perf_counter()
        store.close()
        for n, line in enumerate(encoded, 1):
            answer_line(advisor, ctx, n, line)
        t5 = time.perf_counter()
        for key, value in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            value_ms = value * 1000
            steps[key].append(value_ms)
    return {k: min(v) for k, v in steps.items()}


def main() -> None:
    quick = "--quick" in sys.argv
    n = int(sys.argv[sys.argv.index("-n") + 1]) if "-n" in sys.argv else 1000
    runs = 3 if quick else 7
    env_db = os.environ.pop("FOLLOWUP_DB", None)
    if env_db:
        print(f"(FOLLOWUP_DB={env_db} ignored: the benchmark uses databases of its own)")
    with tempfile.TemporaryDirectory(prefix="followup-bench-") as tmp:
        data = lines(n)
        small = data[:100]
        files = {}
        for name, items in (("big", data), ("small", small)):
            files[name] = os.path.join(tmp, f"{name}.jsonl")
            with open(files[name], "w", encoding="utf-8") as fh:
                fh.write("\n".join(items) + "\n")
        dbs = {name: os.path.join(tmp, f"{name}.db") for name in files}
        base = ["--as-of", AS_OF, "--rules", RULES]
        subprocess.run(
            [*FOLLOWUP, "advise", os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")],
            stdout=subprocess.DEVNULL,
            check=True,
        )  # fill the compiled-rules cache
        start = time.perf_counter()
        subprocess.run(
            [*FOLLOWUP, "track", "import", files["big"], "--db", dbs["big"], *base],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        imported = (time.perf_counter() - start) * 1000
        subprocess.run(
            [*FOLLOWUP, "track", "import", files["small"], "--db", dbs["small"], *base],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out = os.path.join(tmp, "out.jsonl")

        def track(size: str, *args: str) -> float:
            return median_ms([*FOLLOWUP, "track", *args, "--db", dbs[size], *base], runs)

        def batch(size: str, workers: int) -> float:
            cmd = [*FOLLOWUP, "batch", files[size], "-o", out, "-q", "--workers", str(workers), *base]
            return median_ms(cmd, runs)

        rows = []
        for size, count in (("big", n), ("small", len(small))):
            rows += [
                (f"track list, {count} applications", track(size, "list")),
                (f"track list --format json, {count}", track(size, "list", "--format", "json")),
                (f"track today, {count}", track(size, "today")),
                (f"track show ID, {count} in the store", track(size, "show", "app-0")),
                (f"batch --workers 1, the same {count} scenarios", batch(size, 1)),
                (f"batch --workers 2, the same {count} scenarios", batch(size, 2)),
            ]
        floor = median_ms([*FOLLOWUP, "--version"], runs)
        steps = in_process(dbs["big"], data, runs)
    print(
        f"followup track benchmark: {n} generated applications, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print()
    print(f"| command (a new process each; median of {runs}) | ms |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value:,.0f} |")
    print(f"| `followup --version` (the process floor) | {floor:,.0f} |")
    print(f"| track import, {n} applications (once) | {imported:,.0f} |")
    print()
    print(f"In one process, {n} applications (best of {runs}):")
    print()
    print("| step of `track list` | ms | per application |")
    print("|---|---|---|")
    for key, label in (
        ("open", "open the store (connect, check the schema)"),
        ("read", "read every application (SQL, JSON)"),
        ("answer", "answer each one (validate, evaluate, draft)"),
        ("render", "render the table"),
    ):
        print(f"| {label} | {steps[key]:,.1f} | {steps[key] * 1000 / n:,.0f} us |")
    print(
        f"| batch's own work on the same lines (answer_line, no I/O) | {steps['batch']:,.1f} | "
        f"{steps['batch'] * 1000 / n:,.0f} us |"
    )
    store_cost = steps["open"] + steps["read"]
    print()
    print(
        f"The store adds {store_cost:,.1f} ms to {n} answers ({store_cost * 1000 / n:,.0f} us each): "
        f"{store_cost / (steps['answer'] or 1):.1%} of answering them."
    )


if __name__ == "__main__":
    main()
