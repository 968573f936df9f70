"""The scheduled-job examples in examples/ run as written: their exact commands, here.

GitHub Actions (the shard matrix, artifacts and merge job emulated step by step), systemd
(the service's ExecStart), cron (the crontab line, through /bin/sh), a Kubernetes Indexed
Job (each index's command); and the reference cards the Dockerfile checks by sha256.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.batchkit import make_project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent


def cards(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".png", ".jpg", ".webp", ".txt")
    }


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`command` as a scheduler runs it: /bin/sh, cardgen on PATH."""
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, env=environment, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project rendered in one run, to compare the jobs' outputs with."""
    root = make_project(tmp_path_factory.mktemp("whole") / "proj", 6, ("bluesky", "x"))
    result = shell("cardgen render --jobs 1 --out whole", root)
    assert result.returncode == 0, result.stderr
    return root / "whole"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj", 6, ("bluesky", "x"))


# --- GitHub Actions -----------------------------------------------------------------------


def expand(text: str, values: dict[str, dict[str, Any]]) -> str:
    """`${{ matrix.NAME }}` and `${{ env.NAME }}` replaced, as Actions does."""
    found = re.sub(
        r"\$\{\{\s*(matrix|env)\.(\w+)\s*\}\}",
        lambda m: str(values[m.group(1)][m.group(2)]),
        text,
    )
    assert "${{" not in found, found
    return found


def run_job(job: dict[str, Any], checkout: Path, artifacts: Path, values: dict[str, Any]) -> None:
    """The job's steps in order, from the checkout, with the workflow's `env`: its cardgen
    commands run, its artifacts kept in `artifacts/NAME` (upload) and laid out as
    download-artifact does (`path/NAME`)."""
    for step in job["steps"]:
        uses, run, given = step.get("uses", ""), step.get("run"), step.get("with", {})
        if uses.startswith("actions/upload-artifact@"):
            name, path = expand(given["name"], values), expand(given["path"], values)
            shutil.copytree(checkout / path, artifacts / name)
        elif uses.startswith("actions/download-artifact@"):
            pattern = given["pattern"]
            for artifact in sorted(artifacts.glob(pattern)):
                shutil.copytree(artifact, checkout / given["path"] / artifact.name)
        elif run is not None and run.lstrip().startswith("cardgen "):
            result = shell(expand(run, values), checkout, **values["env"])
            assert result.returncode == 0, f"{run}: {result.stderr}"
        elif run is not None:
            assert "pip install" in run  # setting up: done already here


def test_github_actions_workflow(tmp_path: Path, project: Path, whole: Path) -> None:
    """The workflow as written, with the project in a folder of the repository
    (`PROJECT: cards`, as its comment says to set it): cardgen runs from the checkout."""
    workflow = yaml.safe_load((EXAMPLES / "github-actions" / "weekly-cards.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[4] == "1"  # weekly, on Mondays
    render, merge = workflow["jobs"]["render"], workflow["jobs"]["merge"]
    assert merge["needs"] == "render"
    shards = render["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    assert workflow["env"] == {"PROJECT": "."}
    env = {"PROJECT": "cards"}
    artifacts = tmp_path / "artifacts"
    for shard in shards:  # each matrix job on a fresh checkout
        checkout = tmp_path / f"runner-{shard}"
        shutil.copytree(project, checkout / "cards")
        run_job(render, checkout, artifacts, {"matrix": {"shard": shard}, "env": env})
    checkout = tmp_path / "runner-merge"
    shutil.copytree(project, checkout / "cards")
    run_job(merge, checkout, artifacts, {"matrix": {}, "env": env})
    assert cards(artifacts / "weekly-cards") == cards(whole)
    manifest = (artifacts / "weekly-cards" / "manifest.json").read_bytes()
    assert manifest == (whole / "manifest.json").read_bytes()


# --- systemd, cron, Kubernetes ------------------------------------------------------------


def unit(path: Path) -> dict[str, str]:
    """`Key=value` lines of a systemd unit (the examples set each key once)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_systemd_service_and_timer(tmp_path: Path, project: Path) -> None:
    service = unit(EXAMPLES / "systemd" / "cardgen-weekly.service")
    timer = unit(EXAMPLES / "systemd" / "cardgen-weekly.timer")
    assert service["Type"] == "oneshot" and "130" in service["SuccessExitStatus"]
    assert timer["OnCalendar"].startswith("Mon ") and timer["Persistent"] == "true"
    if shutil.which("systemd-analyze"):
        checked = subprocess.run(["systemd-analyze", "calendar", timer["OnCalendar"]])
        assert checked.returncode == 0
    assert "WorkingDirectory" not in service  # -C names the project: run from anywhere
    argv = shlex.split(service["ExecStart"])
    assert argv[:3] == ["/usr/local/bin/cardgen", "-C", "/srv/cardgen/project"]
    cache = tmp_path / "cache"  # what systemd makes of CacheDirectory=cardgen
    command = shlex.join(["cardgen", "-C", str(project), *argv[3:]]).replace(
        "'${CACHE_DIRECTORY}'", '"$CACHE_DIRECTORY"'
    )
    home = tmp_path / "home"  # systemd starts a service in / or the user's home
    home.mkdir()
    first = shell(command, home, CACHE_DIRECTORY=str(cache))
    assert first.returncode == 0, first.stderr
    (week,) = [p for p in (project / "output").iterdir() if not p.name.startswith(".")]
    assert re.fullmatch(r"\d{4}-W\d{2}", week.name)
    assert len(list(cache.rglob("*.card"))) == 6  # --pick 3 quotes on 2 platforms
    shutil.rmtree(project / "output")  # as on a new machine: the same 3 quotes are picked
    again = shell(command + " --json", home, CACHE_DIRECTORY=str(cache))
    assert again.returncode == 0, again.stderr
    assert '"rendered": 0, "cached": 6' in again.stdout  # copied from the cache, not drawn


def test_crontab_line(tmp_path: Path, project: Path) -> None:
    lines = [
        line
        for line in (EXAMPLES / "cron" / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert fields[:5] == ["0", "6", "*", "*", "1"]
    assert "%" not in fields[5]  # cron would turn it into a newline
    assert " cd " not in f" {fields[5]}" and " -C /srv/cardgen/project " in fields[5]
    command = fields[5].replace("/srv/cardgen/project", str(project))
    command = command.replace("/srv/cardgen/render.log", str(tmp_path / "render.log"))
    command = command.replace("/usr/local/bin/cardgen", str(BIN / "cardgen"))
    home = tmp_path / "home"  # cron runs a user's lines from their home
    home.mkdir()
    result = shell(command, home)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in home.iterdir()] == []  # everything went to the project
    log = (tmp_path / "render.log").read_text()
    assert '"event": "done"' in log and '"rendered": 6' in log


def test_kubernetes_indexed_job(tmp_path: Path, project: Path, whole: Path) -> None:
    shards, merge = yaml.safe_load_all((EXAMPLES / "kubernetes" / "indexed-job.yaml").read_text())
    assert shards["spec"]["completionMode"] == "Indexed"
    parts = tmp_path / "parts"

    pod = tmp_path / "pod"  # a container's working directory: not the project
    pod.mkdir()

    def run(job: dict[str, Any], **env: str) -> subprocess.CompletedProcess[str]:
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["sh", "-c"] and "workingDir" not in container
        command = container["args"][0].replace("/parts", str(parts))
        command = command.replace("-C /project ", f"-C {shlex.quote(str(project))} ")
        result = shell(command, pod, **env)
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result

    for index in range(shards["spec"]["completions"]):
        run(shards, JOB_COMPLETION_INDEX=str(index))
    # A pod run again (the Job retried it) finds its part done: answered from the stamp,
    # without importing the CLI, though cardgen runs from outside the project.
    again = run(shards, JOB_COMPLETION_INDEX="0", PYTHONPROFILEIMPORTTIME="1")
    assert "cardgen.batch.uptodate" in again.stderr and "cardgen.cli" not in again.stderr
    run(merge)
    assert cards(parts / "weekly") == cards(whole)


# --- the Docker image's bytes -------------------------------------------------------------


def test_reference_cards_have_the_bytes_the_docker_image_checks(
    tmp_path: Path, regen_goldens: bool
) -> None:
    """The Dockerfile renders these cards and checks them against examples/
    reference-cards.sha256; CI checks the same list here: the two agree byte for byte.
    (`make goldens` rewrites the list after an intended visual change.)"""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    assert "-c examples/constraints.txt" in dockerfile
    assert re.findall(r"fonts-noto-\S+=\S+", dockerfile)  # system fonts pinned
    command = "cardgen render --platform instagram-square --jobs 1 --out /tmp/reference"
    assert command in dockerfile
    out = tmp_path / "reference"
    result = shell(command.replace("/tmp/reference", str(out)), ROOT)
    assert result.returncode == 0, result.stderr
    listing = "".join(
        f"{digest}  {path}\n" for path, digest in cards(out).items() if path.endswith(".png")
    )
    expected = EXAMPLES / "reference-cards.sha256"
    if regen_goldens:
        expected.write_text(listing)
    assert listing == expected.read_text(), (
        "the reference cards changed: if on purpose, `make goldens` rewrites "
        "examples/reference-cards.sha256 (the Docker build checks the same list)"
    )


def test_constraints_are_what_is_installed() -> None:
    """CI installs with examples/constraints.txt (the Makefile), as the image does."""
    from importlib.metadata import version

    for line in (EXAMPLES / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert version(name) == pinned, name


def test_docker_image_builds_and_checks_its_cards() -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker here")
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        pytest.skip("no Docker daemon here")
    built = subprocess.run(["docker", "build", "-q", str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr  # the build renders and checks the cards
