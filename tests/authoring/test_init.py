"""`followup init` into an existing project: only the files it creates, no broken inputs, no half copy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import followup.authoring.init as init_module
from followup.cli import main

from ..helpers import SCENARIOS

SCHEMA_LINE = "# yaml-language-server: $schema="


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _project(root) -> dict[str, bytes]:
    """An existing repository's own files, some of them YAML with their own $schema comment."""
    files = {
        "ci.yaml": b"# yaml-language-server: $schema=https://json.schemastore.org/github-workflow.json\non: push\n",
        "deploy/app.yml": b"# yaml-language-server: $schema=../schemas/app.json\nname: app\n",
        "docs/notes.yaml": b"# yaml-language-server: $schema=x.json\n# caf\xe9\nk: v\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _snapshot(root) -> dict[str, tuple[bytes, int]]:
    return {
        os.path.relpath(os.path.join(d, n), root): (
            open(os.path.join(d, n), "rb").read(),
            os.stat(os.path.join(d, n)).st_mtime_ns,
        )
        for d, _, names in os.walk(root)
        for n in names
    }


def test_init_into_an_existing_project_leaves_its_files_alone(tmp_path):
    """Unrelated YAML files in DIR (and below it) keep their bytes and mtime; only rules/, scenarios/, schemas/ are new."""
    _project(tmp_path)
    before = _snapshot(tmp_path)
    result = run("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    new_tops = {k.split(os.sep)[0] for k in after if k not in before}
    assert new_tops == {"rules", "scenarios", "schemas"}
    assert f"wrote {len(after) - len(before)} files to {tmp_path}" in result.stdout


@pytest.mark.parametrize("existing", ["rules", "scenarios", "schemas"])
def test_init_refuses_when_a_house_directory_exists(tmp_path, existing):
    """Any of DIR/rules, DIR/scenarios, DIR/schemas already there: exit 2, nothing written."""
    (tmp_path / existing).mkdir()
    before = sorted(os.listdir(tmp_path))
    result = run("init", str(tmp_path))
    assert result.exit_code == 2
    assert (
        result.stderr == f"{tmp_path / existing}:1:1: error: exists: already exists; init never overwrites\n"
    )
    assert sorted(os.listdir(tmp_path)) == before


def test_init_failing_midway_leaves_the_directory_as_it_was(tmp_path, monkeypatch):
    """A write error after rules/ is in place removes it again and says so; no staging directory stays."""
    files = _project(tmp_path)
    real = init_module._place

    def place(src: str, dst: str) -> None:
        if dst.endswith("scenarios"):
            raise OSError(28, "No space left on device", dst)
        real(src, dst)

    monkeypatch.setattr(init_module, "_place", place)
    result = run("init", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{tmp_path}:1:1: error: cannot-write: No space left on device: {tmp_path / 'scenarios'}; "
        "init stopped and left the directory as it was (removed the rules/ it had moved into place)\n"
    )
    assert sorted(os.listdir(tmp_path)) == sorted({p.split("/")[0] for p in files})


def test_init_of_a_new_directory_that_fails_removes_it(tmp_path, monkeypatch):
    """When init created DIR itself and then fails, DIR is gone again."""

    def place(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(init_module, "_place", place)
    result = run("init", str(tmp_path / "house"))
    assert result.exit_code == 2
    assert "cannot-write: Input/output error; init stopped" in result.stderr
    assert os.listdir(tmp_path) == []


def test_init_into_a_file_is_refused(tmp_path):
    """DIR naming a file: a located error, exit 2."""
    target = tmp_path / "f"
    target.write_text("x")
    result = run("init", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"{target}:1:1: error: not-a-directory: exists and is not a directory\n"


def test_house_copy_leaves_out_the_broken_inputs_and_passes_check_yaml(tmp_path):
    """No scenarios/bad/ nor the fixtures reading it; pre-commit's check-yaml passes on every YAML file."""
    house = tmp_path / "house"
    assert run("init", str(house)).exit_code == 0
    assert not (house / "scenarios" / "bad").exists()
    assert not (house / "scenarios" / "bad-files.yaml").exists()
    assert (house / "scenarios" / "bad-input.yaml").is_file()  # inline broken scenarios are valid YAML
    yaml_files = sorted(str(p) for p in house.rglob("*.y*ml"))
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit_hooks.check_yaml", *yaml_files], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = run("check", str(house / "scenarios"), "--rules", str(house / "rules"))
    assert result.exit_code == 0, result.output[-1500:]


def test_only_the_bad_file_fixtures_are_left_out():
    """Every stock fixture file but bad-files.yaml goes into a house copy (no case is lost by accident)."""
    assert init_module.left_out(SCENARIOS) == ["bad", "bad-files.yaml", os.path.join("golden", "bad-files")]


def test_every_schema_comment_in_a_house_copy_resolves_inside_it(tmp_path):
    """Each copied YAML file names DIR/schemas/<kind>.schema.json, which init wrote."""
    house = tmp_path / "house"
    assert run("init", str(house)).exit_code == 0
    for path in sorted(house.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(SCHEMA_LINE), path
        kind = "rules" if path.parent.name == "rules" else "scenario"
        target = (path.parent / first[len(SCHEMA_LINE) :]).resolve()
        assert target == (house / "schemas" / f"{kind}.schema.json").resolve(), path
        assert target.is_file()
