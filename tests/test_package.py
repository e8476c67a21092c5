"""The built wheel, installed as a user gets it: shipped YAML names schemas that ship too, and the
console script works from the installed package alone."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from .helpers import ROOT

SCHEMA = re.compile(r"^# yaml-language-server: \$schema=(.*)$", re.M)
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "src", "rules", "scenarios", "schemas")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from a copy of the checkout, installed with pip into a target directory."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in BUILD_INPUTS:
        path = os.path.join(ROOT, name)
        if os.path.isdir(path):
            shutil.copytree(path, src / name, ignore=skip)
        else:
            shutil.copy(path, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        pip + ["wheel", "--no-deps", "--no-build-isolation", "--no-index", str(src), "-w", str(tmp / "dist")],
        check=True,
        capture_output=True,
    )
    wheel = glob.glob(str(tmp / "dist" / "followup_advisor-*.whl"))
    assert len(wheel) == 1
    target = tmp / "site"
    subprocess.run(
        pip + ["install", "--no-deps", "--no-index", "--target", str(target), wheel[0]],
        check=True,
        capture_output=True,
    )
    return target


def _followup(target, *args: str, cwd) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(target))
    env.pop("FOLLOWUP_RULES", None)
    return subprocess.run(
        [str(target / "bin" / "followup"), *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_every_schema_comment_in_the_installed_package_resolves(installed):
    """Each shipped YAML file with a $schema comment names a JSON file that is installed too."""
    package = installed / "followup"
    named = 0
    for path in sorted(package.rglob("*.y*ml")):
        text = path.read_bytes().decode("utf-8", "replace")
        for target in SCHEMA.findall(text):
            resolved = (path.parent / target.strip()).resolve()
            assert resolved.is_file(), f"{path.relative_to(installed)}: $schema={target} does not resolve"
            assert resolved.parent == (package / "schemas").resolve()
            named += 1
    stock = len(glob.glob(os.path.join(ROOT, "rules", "*.yaml"))) + len(
        glob.glob(os.path.join(ROOT, "scenarios", "*.yaml"))
    )
    assert named >= stock


def test_installed_console_script_lints_and_advises_from_the_package(installed, tmp_path):
    """`followup lint` and `followup advise` run from the installed package, in a directory with no rules."""
    where = subprocess.run(
        [sys.executable, "-c", "import followup; print(followup.__file__)"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(installed)),
        check=True,
    )
    assert where.stdout.startswith(str(installed))
    lint = _followup(installed, "lint", "--strict", cwd=tmp_path)
    assert (lint.returncode, lint.stdout, lint.stderr) == (0, "", "0 error(s), 0 warning(s)\n")
    example = installed / "followup" / "stock_scenarios" / "examples" / "second-follow-up.yaml"
    advise = _followup(installed, "advise", str(example), cwd=tmp_path)
    assert advise.returncode == 0, advise.stderr
    assert advise.stdout.splitlines()[0] == "Not yet: wait until Thu 2026-11-26, the date they gave."


def test_the_wheel_carries_the_licence_as_an_spdx_expression(installed):
    """pyproject's SPDX `license = "MIT"` reaches the metadata, and LICENSE ships in the dist-info."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        assert re.search(r'^license = "MIT"$', fh.read(), re.M)
    [info] = glob.glob(str(installed / "followup_advisor-*.dist-info"))
    with open(os.path.join(info, "METADATA"), encoding="utf-8") as fh:
        metadata = fh.read()
    assert "License-Expression: MIT" in metadata
    shipped = glob.glob(os.path.join(info, "**", "LICENSE"), recursive=True)
    assert shipped, os.listdir(info)
    with open(shipped[0], encoding="utf-8") as a, open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as b:
        assert a.read() == b.read()


def test_requires_python_is_what_ci_runs():
    """requires-python, the classifiers and .ci/run's SUPPORTED name the same interpreters."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        project = fh.read()
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        supported = re.search(r'^SUPPORTED="(.*)"$', fh.read(), re.M)
    assert supported is not None
    versions = supported.group(1).split()
    low, high = re.search(r'^requires-python = ">=(3\.\d+),<(3\.\d+)"', project, re.M).groups()
    minors = range(int(low.split(".")[1]), int(high.split(".")[1]))
    assert versions == [f"3.{m}" for m in minors]
    classifiers = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', project)
    assert classifiers == versions
