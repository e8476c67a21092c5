"""Benchmark: python bench/run.py [--quick]

Prints one table, each target beside its floor, measured in the same run on generated realistic
scenarios with the stock rules:
  1. one record through the batch worker path (batch/answer.py answer_line: JSON line in, result
     line out; the decide memo warmed on other scenarios first, as in a long run) beside the
     floor, measured here: json.loads of the line + the durable-rules C calls the adapter made for
     that scenario, replayed + json.dumps of the answer, slice by slice beside the path (this VM's
     speed drifts). Target: <= 2x;
  2. `followup batch` end to end on 100,000 lines (20,000 with --quick) with 1 and 2 workers,
     taking turns three times (the median pair is shown): records/s (target: 2 workers >= 1.85x one) and CPU per record summed over every process
     (supervisor and workers; target <= 1.25x the CPU per record of answering the same lines in
     one fresh process, `answer_line` in a loop);
  3. cold `followup advise` beside `python -c "import durable_rules_engine, yaml, click"`, the
     imports the command needs (<= 1.4x), both with Python's bytecode cache in place;
  4. growth: per-record cost with the stock rules and with a synthetic rule base 10x larger;
  5. peak RSS of the worker path after 100,000 and 1,000,000 records (10,000 / 100,000 with
     --quick): flat.
Each target is checked and marked ok or MISSED. Nothing here is a test; the machine's noise moves
the ratios by a few points from run to run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "rules")
EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")

CULTURES = ["startup", "traditional", "unknown"]
SIZES = ["small", "medium", "large", "unknown"]
FORMATS = ["informal", "formal", "unknown"]
LEVELS = ["entry", "mid", "senior", "executive", "unknown"]
CHANNELS = ["email", "phone", "linkedin", "letter"]


def scenario(rng: random.Random, i: int) -> dict:
    """One realistic application: an interview in the last seven weeks, what was sent since."""
    as_of = dt.date(2026, 11, 20)
    interview = as_of - dt.timedelta(
        days=rng.choice([0, 1, 2, 3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 18, 21, 28, 35, 49])
    )
    age = (as_of - interview).days
    doc: dict = {
        "id": f"app-{i}",
        "as_of": as_of.isoformat(),
        "company": {"name": f"Company {i % 997}", "culture": rng.choice(CULTURES), "size": rng.choice(SIZES)},
        "interview": {
            "date": interview.isoformat(),
            "format": rng.choice(FORMATS),
            "medium": rng.choice(["onsite", "video", "phone"]),
        },
        "position": {"title": "Engineer", "level": rng.choice(LEVELS)},
        "contact": {
            "interviewer_channel": rng.choice(CHANNELS),
            "rapport": rng.choice(["normal", "normal", "strong"]),
        },
    }
    history = []
    day = 0
    if age >= 1 and rng.random() < 0.85:
        day = rng.choice([0, 0, 1, 2])
        history.append(
            {
                "kind": "thank_you",
                "date": (interview + dt.timedelta(days=min(day, age))).isoformat(),
                "channel": "email",
            }
        )
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        day += rng.randint(5, 10)
        if day > age:
            break
        history.append(
            {
                "kind": "follow_up",
                "date": (interview + dt.timedelta(days=day)).isoformat(),
                "channel": rng.choice(CHANNELS),
            }
        )
    if history and rng.random() < 0.3:
        reply = min(age, day + rng.randint(0, 3))
        history.append(
            {
                "kind": "reply",
                "date": (interview + dt.timedelta(days=reply)).isoformat(),
                "outcome": rng.choice(["pending", "pending", "pending", "offer", "rejected"]),
            }
        )
    doc["history"] = history
    if rng.random() < 0.25:
        doc["timeline"] = {
            "decision_by": (interview + dt.timedelta(days=rng.choice([5, 7, 10, 14, 21]))).isoformat()
        }
    if rng.random() < 0.1:
        doc.setdefault("timeline", {})["follow_up_after"] = (
            interview + dt.timedelta(days=rng.choice([7, 14, 21]))
        ).isoformat()
    return doc


def lines(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [json.dumps(scenario(rng, i)) for i in range(n)]


def worker_path(rules_dir: str):
    """The path one record takes in a `followup batch` worker: JSON line in, result line out."""
    from followup.batch.answer import Context, answer_line
    from followup.core.advisor import load_advisor

    advisor = load_advisor(rules_dir)
    ctx = Context("<bench>", None, None, dt.date(2026, 11, 20))

    def answer(data: bytes) -> bytes:
        return answer_line(advisor, ctx, 1, data)[1]

    return advisor, answer


def per_record(fn, items) -> float:
    """Mean seconds per item over one pass (the floor is a mean too)."""
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items)


class _Spy:
    """Stands in for the durable-rules C module and notes every call the adapter makes."""

    def __init__(self, real):
        self.real = real
        self.calls: list = []

    def __getattr__(self, name):
        function = getattr(self.real, name)

        def call(*args):
            self.calls.append((function, args))
            return function(*args)

        return call


def path_and_floor(advisor, answer, data: list[bytes], size: int = 500) -> tuple[float, dict[str, float]]:
    """The worker path's mean seconds per record, and the floor's (json.loads of the line, the
    adapter's C calls for that scenario's facts replayed as they were made (assert, actions,
    retract), json.dumps of the answer: each part and in all), measured slice by slice of `size`
    records: each slice through the path (the first time it is seen, as in a run), then its floor.
    This VM's speed drifts by a third within a minute; measured apart, a drift between the two
    moved the ratio by half."""
    import followup.core.engine as engine

    clock = time.perf_counter
    path = parse = c_calls = dump = 0.0
    real = engine._c
    for first in range(0, len(data), size):
        part = data[first : first + size]
        start = clock()
        for item in part:
            answer(item)
        path += clock() - start
        calls, answers = [], []
        try:
            for item in part:  # the same records again, untimed, to note the C calls they make
                spy = engine._c = _Spy(real)
                out = json.loads(answer(item))
                calls.append(spy.calls)
                answers.append(out.get("answer", out.get("error")))
        finally:
            engine._c = real
        texts = [item.decode() for item in part]
        start = clock()
        for text in texts:
            json.loads(text)
        parse += clock() - start
        start = clock()
        for made in calls:
            for function, args in made:
                function(*args)
        c_calls += clock() - start
        start = clock()
        for out in answers:
            json.dumps(out)
        dump += clock() - start
    n = len(data)
    parts = {"parse": parse / n, "engine": c_calls / n, "dump": dump / n, "all": (parse + c_calls + dump) / n}
    return path / n, parts


SINGLE = r"""
import datetime as dt, sys, time
from followup.batch.answer import Context, answer_line
from followup.core.advisor import load_advisor
advisor = load_advisor(sys.argv[2])
ctx = Context("<bench>", None, None, dt.date(2026, 11, 20))
with open(sys.argv[1], "rb") as fh:
    data = fh.read().splitlines()
start = time.process_time()
for n, line in enumerate(data, 1):
    answer_line(advisor, ctx, n, line)
print((time.process_time() - start) / len(data))
"""


def single_process(source: str) -> float:
    """CPU seconds per record of answering the file's lines in one fresh process, one after the
    other (its caches start empty, as a batch worker's do)."""
    proc = subprocess.run(
        [sys.executable, "-c", SINGLE, source, RULES], capture_output=True, text=True, check=True
    )
    return float(proc.stdout)


def batch_run(exe: str, source: str, workers: int, n: int) -> tuple[float, float]:
    """(records/s, CPU seconds per record in all processes) of one `followup batch` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [exe, "batch", source, "-o", source + f".out{workers}", "--workers", str(workers), "-q"], check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return n / wall, cpu / n


# ---- growth ----------------------------------------------------------------------------------


def synthetic_rules(target: str, factor: int = 10) -> int:
    """A copy of the stock rules plus advice rules up to `factor` times as many rules in all.
    Each synthetic rule needs one combination of days, size and level, so a scenario fires at
    most one of them, as a real rule base grows by situations, not by rules firing at once."""
    shutil.copytree(RULES, target)
    from followup.core.rules import load_rules

    stock = len(load_rules(target).rules)
    extra = stock * factor - stock
    combos = [(d, s, lv) for d in range(0, 46) for s in SIZES for lv in LEVELS][:extra]
    out = ["rules:"]
    for d, s, lv in combos:
        out += [
            f"  - id: synthetic-{d}-{s}-{lv}",
            "    description: A synthetic advice rule for one situation.",
            '    sources: ["000-12"]',
            "    when:",
            "      all:",
            f"        - {{fact: days_since_interview, equals: {d}}}",
            f"        - {{fact: company.size, equals: {s}}}",
            f"        - {{fact: position.level, equals: {lv}}}",
            "    then:",
            f'      advice: ["Synthetic advice {d} {s} {lv}."]',
            '    says: "synthetic"',
        ]
    with open(os.path.join(target, "synthetic.yaml"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")
    return len(load_rules(target).rules)


# ---- memory ----------------------------------------------------------------------------------

RSS_PROBE = r"""
import json, random, resource, sys
sys.path.insert(0, sys.argv[1])
import run as bench
_, answer = bench.worker_path(sys.argv[2])
rng = random.Random(11)
pool = [json.dumps(bench.scenario(rng, i)).encode() for i in range(5000)]
marks = [int(x) for x in sys.argv[3].split(",")]


def peak_kb():
    # VmHWM belongs to this program; ru_maxrss would carry the forking parent's peak over exec
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
done = 0
for mark in marks:
    while done < mark:
        answer(pool[done % len(pool)])
        done += 1
    print(mark, peak_kb(), flush=True)
"""


def peak_rss(marks: list[int]) -> list[tuple[int, int]]:
    proc = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, os.path.dirname(__file__), RULES, ",".join(map(str, marks))],
        capture_output=True,
        text=True,
        check=True,
    )
    return [(int(a), int(b)) for a, b in (line.split() for line in proc.stdout.split("\n") if line.strip())]


# ---- cold start ------------------------------------------------------------------------------


def medians_ms(commands: list[list[str]], runs: int, env: dict[str, str] | None = None) -> list[float]:
    """Each command's median wall time in ms over `runs` runs, the commands taking turns (run 1 of
    each, then run 2 of each, ...), so a drift of the machine's speed reaches all of them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for cmd, taken in zip(commands, times, strict=True):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            taken.append(time.perf_counter() - t)
    return [statistics.median(taken) * 1000 for taken in times]


def main() -> None:
    quick = "--quick" in sys.argv
    n = 5_000 if quick else 20_000
    batch_lines = 20_000 if quick else 100_000
    data = [line.encode() for line in lines(n)]
    rows: list[str] = []

    def row(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        rows.append(f"| {label} | {value} | {target} | {mark} |")
        print(rows[-1], flush=True)

    print(
        f"followup-advisor benchmark: {n:,} generated scenarios, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    print("| measure | value | target | |")
    print("|---|---|---|---|")

    # 1. one record through the worker path, beside its floor
    advisor, answer = worker_path(RULES)
    warm = [line.encode() for line in lines(2_000, seed=99)]  # other scenarios: a run's memo is warm
    per_record(answer, warm)
    single, parts = path_and_floor(advisor, answer, data)
    row("per record, worker path (`answer_line`), mean", f"{single * 1e6:.0f} us")
    row(
        "floor: json.loads + the adapter's C calls replayed + json.dumps of the answer",
        f"{parts['all'] * 1e6:.0f} us ({parts['parse'] * 1e6:.0f} + {parts['engine'] * 1e6:.0f} "
        f"+ {parts['dump'] * 1e6:.0f})",
    )
    ratio = single / parts["all"]
    row("worker path / floor", f"{ratio:.2f}x", "<= 2x", ratio <= 2)

    # 2. followup batch end to end: 1 and 2 workers, CPU of every process
    exe = os.path.join(os.path.dirname(sys.executable), "followup")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "in.jsonl")
        with open(source, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines(batch_lines, seed=5)) + "\n")
        alone = single_process(source)
        # 1 and 2 workers take turns, three times each: the scaling is the median of the three
        # pairs' ratios (a drift of the machine's speed within a pair moves it less)
        pairs = [
            (batch_run(exe, source, 1, batch_lines), batch_run(exe, source, 2, batch_lines)) for _ in range(3)
        ]
        (one, cpu1), (two, cpu2) = sorted(pairs, key=lambda p: p[1][0] / p[0][0])[1]  # the median pair
    row(
        f"the same {batch_lines:,} lines in one process (`answer_line` in a loop): CPU per record",
        f"{alone * 1e6:.0f} us",
    )
    scaling = ", ".join(f"{b[0] / a[0]:.2f}x" for a, b in pairs)
    row(
        f"`followup batch`, {batch_lines:,} lines, 1 worker (the median of 3 pairs: {scaling})",
        f"{one:,.0f} records/s",
    )
    row(
        f"`followup batch`, {batch_lines:,} lines, 2 workers",
        f"{two:,.0f} records/s ({two / one:.2f}x one)",
        ">= 1.85x",
        two / one >= 1.85,
    )
    for workers, cpu in ((1, cpu1), (2, cpu2)):
        row(
            f"`followup batch`, {workers} worker{'s' if workers > 1 else ''}: CPU per record, all processes",
            f"{cpu * 1e6:.0f} us ({cpu / alone:.2f}x one process)",
            "<= 1.25x",
            cpu / alone <= 1.25,
        )

    # 3. cold start, with the bytecode cache written as an installed package has it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [exe, "advise", EXAMPLE], stdout=subprocess.DEVNULL, check=True, env=env
    )  # rules cache, .pyc
    floor_cmd = [sys.executable, "-c", "import durable_rules_engine, yaml, click"]
    cold, base = medians_ms([[exe, "advise", EXAMPLE], floor_cmd], 21, env)
    row("cold `followup advise` (median of 21, taking turns with the floor)", f"{cold:.0f} ms")
    row("floor `python -c 'import durable_rules_engine, yaml, click'` (median of 21)", f"{base:.0f} ms")
    row("cold advise / floor", f"{cold / base:.2f}x", "<= 1.4x", cold / base <= 1.4)

    # 4. growth with the rule base
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "rules")
        count = synthetic_rules(big)
        _, big_answer = worker_path(big)
        sample = data[: n // 2]
        per_record(big_answer, warm)
        stock = per_record(answer, sample)
        grown = per_record(big_answer, sample)
        row(
            f"per record, stock rules ({len(advisor.ruleset.rules)}) vs 10x ({count})",
            f"{stock * 1e6:.0f} us vs {grown * 1e6:.0f} us ({grown / stock:.2f}x)",
            "<= 2x",
            grown / stock <= 2,
        )

    # 5. memory: the worker path's caches are bounded
    marks = [10_000, 100_000] if quick else [100_000, 1_000_000]
    (m1, r1), (m2, r2) = peak_rss(marks)
    row(
        f"peak RSS of the worker path after {m1:,} / {m2:,} records",
        f"{r1 / 1024:.1f} MB / {r2 / 1024:.1f} MB",
        "flat",
        r2 <= r1 * 1.05 + 1024,
    )


if __name__ == "__main__":
    main()
