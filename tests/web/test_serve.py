"""`followup serve` as a person starts it: a real process on 127.0.0.1 by default that answers,
a warning for a non-local address, and a cold `followup advise` that never loads the web stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

from ..helpers import ROOT, RULES
from .conftest import free_port

EXE = os.path.join(os.path.dirname(sys.executable), "followup")


def serve(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start `followup serve` and wait for its address line on stderr."""
    proc = subprocess.Popen(
        [EXE, "serve", "--rules", RULES, *args],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.stderr is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if "followup serve: http://" in line:
            return proc, "".join(lines)
    proc.kill()
    raise AssertionError("no address line: " + "".join(lines))


def get(url: str) -> dict:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_serve_listens_on_localhost_by_default_and_answers():
    """No --host: 127.0.0.1, no warning; /healthz answers with the rules digest."""
    port = free_port()
    proc, err = serve("--port", str(port))
    try:
        assert (
            err == f"followup serve: http://127.0.0.1:{port}/  (API: /api/advise, OpenAPI: /openapi.json)\n"
        )
        assert get(f"http://127.0.0.1:{port}/healthz")["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_non_local_address_prints_a_warning():
    """--host 0.0.0.0 starts with a warning that anyone who reaches it can use it."""
    port = free_port()
    proc, err = serve("--host", "0.0.0.0", "--port", str(port))
    try:
        assert err.startswith(
            "warning: listening on 0.0.0.0, reachable from other machines: anyone who can reach it"
        )
        assert get(f"http://127.0.0.1:{port}/healthz")["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(10)


def test_broken_rules_stop_serve_with_exit_2(tmp_path):
    """serve --rules on a directory that is not one: the located diagnostics, exit 2, no server."""
    proc = subprocess.run(
        [EXE, "serve", "--rules", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and ": error: " in proc.stderr and "Traceback" not in proc.stderr


def test_cold_advise_does_not_load_the_web_stack():
    """`followup advise` imports neither starlette, uvicorn (nor httptools, uvloop), jinja2, orjson nor followup.web."""
    code = (
        "import sys, runpy; sys.argv = ['followup', 'advise', 'scenarios/examples/second-follow-up.yaml'];"
        "from followup.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'jinja2', 'httptools', 'uvloop', 'orjson') or m.startswith('followup.web')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.splitlines()[-1] == "[]", out.stderr


def test_my_applications_reads_the_db_given_or_followup_db(tmp_path):
    """`serve --db PATH` lists that tracker database; without --db, $FOLLOWUP_DB's, as `followup track` does."""
    from .tracked import ORDER, seeded

    db = seeded(tmp_path)
    for args, env in ((["--db", db], {"FOLLOWUP_DB": str(tmp_path / "other.db")}), ([], {"FOLLOWUP_DB": db})):
        port = free_port()
        proc, _ = serve("--port", str(port), *args, env=env)
        try:
            listed = get(f"http://127.0.0.1:{port}/applications.json?as_of=2026-11-20")
            assert listed["database"] == db and [a["id"] for a in listed["applications"]] == ORDER
        finally:
            proc.terminate()
            proc.wait(10)
    assert not os.path.exists(tmp_path / "other.db")
