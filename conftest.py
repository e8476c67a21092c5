"""pytest: collect every case of every scenario fixture (scenarios/*.yaml) as its own test item,
run by the same runner as the command line; and the --update-golden option."""

from __future__ import annotations

import os
from typing import Any

import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))
# the test run keeps its compiled-rules cache to itself (tests create many rule directories)
os.environ.setdefault("FOLLOWUP_CACHE_DIR", __import__("tempfile").mkdtemp(prefix="followup-test-cache-"))
RULES = os.path.join(ROOT, "rules")


def pytest_addoption(parser: Any) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden explanations of scenario fixtures on purpose",
    )


def pytest_collect_file(parent: Any, file_path: Any) -> Any:
    if file_path.suffix in (".yaml", ".yml") and file_path.parent == _scenarios_dir():
        return FixtureFile.from_parent(parent, path=file_path)
    return None


def _scenarios_dir() -> Any:
    from pathlib import Path

    return Path(ROOT) / "scenarios"


class FixtureFile(pytest.File):
    def collect(self) -> Any:
        from followup.authoring.fixtures import load_cases

        for case in load_cases(str(self.path)):
            yield FixtureCase.from_parent(self, name=case.name, case=case)


class FixtureCase(pytest.Item):
    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from followup.authoring.fixtures import run_case
        from followup.core.advisor import load_advisor

        update = bool(self.config.getoption("--update-golden"))
        outcome = run_case(self.case, load_advisor(RULES), update_golden=update)
        if not outcome.passed:
            raise FixtureFailure(outcome)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, FixtureFailure):
            from followup.authoring.fixtures import describe_failure

            return describe_failure(excinfo.value.outcome)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> Any:
        return self.path, self.case.loc.line, f"scenario {self.case.id}"


class FixtureFailure(Exception):
    def __init__(self, outcome: Any) -> None:
        super().__init__(outcome.case.id)
        self.outcome = outcome
