"""Benchmark: python bench/run.py [--quick]

Prints, for the stock rules on generated realistic scenarios:
  1. full pipeline (JSON text -> validated scenario -> facts -> engine -> answer -> JSON text):
     per-scenario latency (median, p99) and scenarios/s, one worker and N workers;
  2. engine only: validated scenarios through the evaluate step (facts, the durable-rules adapter,
     the decision by priority/overrides), no loading, validation or rendering; and the ratio;
     the adapter's share is printed too;
  3. cold `followup advise` on one scenario beside the floor `import durable.engine, yaml, click`;
  4. growth: per-scenario cost with the stock rules and with a synthetic rule base 10x larger;
  5. peak RSS after 100,000 and after 1,000,000 scenarios (10,000 / 100,000 with --quick).
Each target is checked in the same run and marked ok or MISSED. Nothing here is a test.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import random
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


def pipeline(rules_dir: str):
    """The full per-scenario path a batch run takes, as one function of a JSON line."""
    from followup.core.advisor import load_advisor
    from followup.core.loader import from_plain

    advisor = load_advisor(rules_dir)

    def answer(text: str) -> str:
        node = from_plain("<bench>", json.loads(text))
        rec = advisor.evaluate(advisor.scenario(node))
        return json.dumps(rec.to_json())

    return advisor, answer


def timed(fn, items) -> list[float]:
    out = []
    clock = time.perf_counter
    for item in items:
        t = clock()
        fn(item)
        out.append(clock() - t)
    return out


def summary(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return median * 1e6, p99 * 1e6, len(times) / sum(times)


# ---- workers ---------------------------------------------------------------------------------

_answer = None


def _init(rules_dir: str) -> None:
    global _answer
    _answer = pipeline(rules_dir)[1]


def _work(chunk: list[str]) -> int:
    assert _answer is not None
    for text in chunk:
        _answer(text)
    return len(chunk)


def throughput(workers: int, data: list[str], rules_dir: str) -> float:
    """Scenarios/s over `workers` processes, measured after each has loaded the rules."""
    chunks = [data[i : i + 500] for i in range(0, len(data), 500)]
    with mp.get_context("fork").Pool(workers, initializer=_init, initargs=(rules_dir,)) as pool:
        pool.map(_work, [data[:50]] * workers)  # warm every worker
        start = time.perf_counter()
        done = sum(pool.imap_unordered(_work, chunks))
        return done / (time.perf_counter() - start)


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
_, answer = bench.pipeline(sys.argv[2])
rng = random.Random(11)
pool = [json.dumps(bench.scenario(rng, i)) for i in range(5000)]
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


def median_ms(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    quick = "--quick" in sys.argv
    n = 5_000 if quick else 20_000
    workers = os.cpu_count() or 2
    data = lines(n)
    rows: list[str] = []

    def row(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        rows.append(f"| {label} | {value} | {target} | {mark} |")
        print(rows[-1], flush=True)

    print(
        f"followup-advisor benchmark: {n} generated scenarios, {workers} cores, Python {sys.version.split()[0]}"
    )
    print("| measure | value | target | |")
    print("|---|---|---|---|")

    advisor, answer = pipeline(RULES)
    for text in data[:500]:
        answer(text)  # warm up
    med, p99, rate = summary(timed(answer, data))
    row("full pipeline, 1 worker: latency median / p99", f"{med:.0f} us / {p99:.0f} us")
    row("full pipeline, 1 worker: scenarios/s", f"{rate:,.0f}", ">= 2,500", rate >= 2500)

    from followup.core.facts import compute
    from followup.core.loader import from_plain

    # engine only: validated scenarios in memory, no loading, validation or rendering; what is
    # left is the evaluate step: facts -> engine adapter -> decision (priority/overrides)
    scenarios = [advisor.scenario(from_plain("<bench>", json.loads(t))) for t in data]
    emed, ep99, erate = summary(timed(advisor.evaluate, scenarios))
    row(
        "engine only (facts, adapter, decision), 1 worker: latency median / p99",
        f"{emed:.0f} us / {ep99:.0f} us",
    )
    row("engine only, 1 worker: scenarios/s", f"{erate:,.0f}")
    row("full pipeline / engine only (throughput)", f"{rate / erate:.0%}", ">= 60%", rate / erate >= 0.6)
    facts = [compute(s, s.as_of)[0] for s in scenarios]
    amed, _, arate = summary(timed(advisor.evaluator.evaluate, facts))
    row("  of which the durable-rules adapter alone: median / scenarios/s", f"{amed:.0f} us / {arate:,.0f}")

    one = throughput(1, data, RULES)
    many = throughput(workers, data, RULES)
    row("pool of 1 worker: scenarios/s", f"{one:,.0f}")
    row(
        f"pool of {workers} workers: scenarios/s",
        f"{many:,.0f} ({many / one:.2f}x)",
        f">= 1.7x with {workers}",
        many / one >= 1.7 if workers >= 2 else None,
    )

    exe = os.path.join(os.path.dirname(sys.executable), "followup")
    subprocess.run([exe, "advise", EXAMPLE], stdout=subprocess.DEVNULL, check=True)  # fill the rules cache
    cold = median_ms([exe, "advise", EXAMPLE], 15)
    floor = median_ms([sys.executable, "-c", "import durable.engine, yaml, click"], 15)
    row("cold `followup advise` (median of 15)", f"{cold:.0f} ms")
    row("floor `import durable.engine, yaml, click` (median of 15)", f"{floor:.0f} ms")
    row("cold advise / floor", f"{cold / floor:.2f}x", "<= 1.6x", cold / floor <= 1.6)

    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "rules")
        count = synthetic_rules(big)
        _, big_answer = pipeline(big)
        sample = data[: n // 2]
        for text in sample[:500]:
            big_answer(text)
        base = statistics.median(timed(answer, sample))
        grown = statistics.median(timed(big_answer, sample))
        row(
            f"per scenario, stock rules ({len(advisor.ruleset.rules)}) vs 10x ({count})",
            f"{base * 1e6:.0f} us vs {grown * 1e6:.0f} us ({grown / base:.2f}x)",
            "<= 2x",
            grown / base <= 2,
        )

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "in.jsonl")
        with open(source, "w", encoding="utf-8") as fh:
            fh.write("\n".join(data) + "\n")
        rates = {}
        for w in (1, workers):
            start = time.perf_counter()
            subprocess.run(
                [exe, "batch", source, "-o", os.path.join(tmp, f"out{w}.jsonl"), "--workers", str(w), "-q"],
                check=True,
            )
            rates[w] = n / (time.perf_counter() - start)
        row(
            f"`followup batch` end to end, {n:,} lines, 1 / {workers} workers (records/s)",
            f"{rates[1]:,.0f} / {rates[workers]:,.0f} ({rates[workers] / rates[1]:.2f}x)",
        )

    marks = [10_000, 100_000] if quick else [100_000, 1_000_000]
    (m1, r1), (m2, r2) = peak_rss(marks)
    row(
        f"peak RSS after {m1:,} / {m2:,} scenarios",
        f"{r1 / 1024:.1f} MB / {r2 / 1024:.1f} MB",
        "flat",
        r2 <= r1 * 1.05 + 1024,
    )


if __name__ == "__main__":
    main()
