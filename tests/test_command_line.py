"""The command line as people expect it (issue 20): help that reads like a manual, the usual
switches, project settings, the project found from a subfolder, pipes, `doctor`."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from cardgen.cli import app
from cardgen.config import find_project, load_settings
from tests.batchkit import make_project
from tests.helpers import run_cli

# --- help ---------------------------------------------------------------------------------

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]
# What a value placeholder may be: words in capitals (FILE, DIR, N, ID, FILE|URL) or a
# choice in brackets ([png|jpeg|webp]).
METAVAR = re.compile(r"^(?:[A-Z]+(?:\|[A-Z]+)*|\[[a-z-]+(?:\|[a-z-]+)+\])$")


def help_of(*names: str) -> str:
    code, stdout, stderr = run_cli(*names, "--help")
    assert code == 0, stderr
    return stdout


def examples(text: str) -> list[str]:
    _, _, foot = text.partition("Examples:")
    return [line.strip() for line in foot.splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_every_help_reads_like_a_manual(name: str) -> None:
    names = [name] if name else []
    text = help_of(*names)
    # No type names: `<bool>`, `<str>`, `<list[Path]>`, `<int range>`, `[x>=1]`.
    assert not re.search(r"<[a-z]|list\[|\[x[<>]|x>=|x<=", text), text
    command: Any = GROUP.commands[name] if name else GROUP  # type: ignore[attr-defined]
    ctx = typer.Context(command, info_name=name or "cardgen", parent=None)
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            assert METAVAR.match(param.metavar or ""), (name, param.name, param.metavar)
            continue
        first = param.get_help_record(ctx)[0] if param.get_help_record(ctx) else ""
        if param.is_flag or param.count:  # a switch shows no value placeholder
            assert all(word.startswith("-") or word == "/" for word in first.split()), first
        else:
            metavar = param.metavar or ""
            assert METAVAR.match(metavar), (name, param.opts, metavar)
            assert f"{max(param.opts, key=len)} {metavar}" in text, (param.opts, text)
        assert param.help, (name, param.opts)
    # Two or three real examples at the foot, each one the parser accepts.
    lines = examples(text)
    assert 2 <= len(lines) <= 3, text
    for line in lines:
        assert_parses(line)


def assert_parses(line: str) -> None:
    """The example is a command line cardgen accepts (up to a pipe or redirection)."""
    words = shlex.split(line)
    while words and re.match(r"^[A-Z_]+=", words[0]):  # VAR=value before the command
        words.pop(0)
    for stop in ("|", ">"):
        if stop in words:
            words = words[: words.index(stop)]
    assert words[0] == "cardgen", line
    ctx = GROUP.make_context("cardgen", words[1:], resilient_parsing=False)
    # The command name waits in `protected_args` (`_protected_args` in typer's own click).
    protected = getattr(ctx, "protected_args", None) or getattr(ctx, "_protected_args", [])
    rest = [*protected, *ctx.args]
    if rest:  # the command and its own arguments
        command = GROUP.commands[rest[0]]  # type: ignore[attr-defined]
        command.make_context(rest[0], rest[1:], parent=ctx)


def test_format_is_a_real_choice(in_root: Path) -> None:
    code, _, stderr = run_cli("render", "--format", "gif", "--dry-run")
    assert (code, stderr) == (2, "error: --format 'gif': use png, jpeg or webp\n")
    words = {
        "_CARDGEN_COMPLETE": "complete_bash",
        "COMP_WORDS": "cardgen render --format ",
        "COMP_CWORD": "3",
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cardgen"))],
        capture_output=True,
        text=True,
        env={**os.environ, **words},
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == ["png", "jpeg", "webp"]


def test_help_does_not_load_pillow_or_pydantic() -> None:
    probe = (
        "import sys\n"
        "from cardgen.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "heavy = {'PIL', 'pydantic', 'rich'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "for args in (['render', '--help'], ['config', '--help'], ['doctor', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "assert 'PIL' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


# --- settings -------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_layer_flags_over_environment_over_file(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.cardgen]\nout = "build"\njobs = 3\n'
        'platforms = ["x", "linkedin"]\nbrand = "acme"\n',
    )
    settings = load_settings(tmp_path, environ={})
    assert (settings["out"], settings["jobs"], settings["platforms"]) == (
        "build",
        3,
        ["x", "linkedin"],
    )
    assert settings.values["out"].source == "pyproject.toml [tool.cardgen]"
    assert settings.values["layout"].source == "built-in"
    settings = load_settings(tmp_path, environ={"CARDGEN_OUT": "env-out", "CARDGEN_JOBS": "2"})
    assert (settings["out"], settings["jobs"]) == ("env-out", 2)
    assert settings.values["jobs"].source == "CARDGEN_JOBS"
    settings = load_settings(
        tmp_path, environ={"CARDGEN_JOBS": "2"}, flags={"jobs": 5, "platforms": ["og"]}
    )
    assert (settings["jobs"], settings["platforms"], settings["brand"]) == (5, ["og"], "acme")
    assert settings.values["jobs"].source == "--jobs"
    assert settings.values["platforms"].source == "--platform"
    # cardgen.toml, when there is one, is the project's file.
    write(tmp_path / "cardgen.toml", 'layout = "bold"\n')
    settings = load_settings(tmp_path, environ={})
    assert (settings["layout"], settings["out"]) == ("bold", "output")
    assert settings.file == "cardgen.toml"


@pytest.mark.parametrize(
    ("file", "text", "where", "words"),
    [
        ("cardgen.toml", 'out = "x"\nouput = "y"\n', "cardgen.toml:2", "unknown key 'ouput'"),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n[tool.cardgen]\nbrnad = "y"\n',
            "pyproject.toml:4 [tool.cardgen]:",
            "did you mean 'brand'?",
        ),
        ("cardgen.toml", "jobs = 'four'\n", "cardgen.toml:1", "jobs = 'four': must be a whole"),
        ("cardgen.toml", "platforms = [1]\n", "cardgen.toml:1", "a list of platform ids"),
        ("cardgen.toml", "out = \n", "cardgen.toml", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_key_and_exit_2(
    project_dir: Path, file: str, text: str, where: str, words: str
) -> None:
    write(project_dir / file, text)
    for command in (["config"], ["render"], ["check"]):
        code, stdout, stderr = run_cli(*command)
        assert code == 2 and stdout == "", (command, stderr)
        assert stderr.startswith(f"error: {where}") and words in stderr, stderr
        assert stderr.count("\n") == 1


@pytest.mark.parametrize("value", ["lots", "0", "2.5", "-1"])
def test_cardgen_jobs_must_be_a_number(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CARDGEN_JOBS", value)
    code, _, stderr = run_cli("render")
    assert code == 2
    assert stderr.startswith(f"error: CARDGEN_JOBS={value!r} is not a number"), stderr


def test_config_shows_each_value_and_where_it_came_from(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project_dir / "cardgen.toml", 'out = "build"\njobs = 3\nplatforms = ["og"]\n')
    monkeypatch.setenv("CARDGEN_JOBS", "2")
    code, stdout, stderr = run_cli("config", "--layout", "bold")
    assert code == 0, stderr
    rows = {line.split()[0]: line for line in stdout.splitlines()}
    assert rows["out"].split()[1:] == ["build", "cardgen.toml"]
    assert rows["jobs"].split()[1:] == ["2", "CARDGEN_JOBS"]
    assert rows["platforms"].split()[1:] == ["og", "cardgen.toml"]
    assert rows["layout"].split()[1:] == ["bold", "--layout"]
    assert rows["brand"].endswith("built-in")
    code, stdout, _ = run_cli("config", "--json")
    document = json.loads(stdout)
    assert document["root"] == str(project_dir) and document["file"] == "cardgen.toml"
    assert document["settings"]["jobs"] == {"value": 2, "source": "CARDGEN_JOBS"}
    assert document["settings"]["brand"] == {"value": None, "source": "built-in"}


def test_render_and_check_use_the_project_settings(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", 2, ("bluesky", "x"))
    write(root / "cardgen.toml", 'out = "build"\nplatforms = ["og"]\njobs = 1\n')
    run = cardgen(root, "render")
    assert run.returncode == 0, run.stderr
    cards = sorted(p.relative_to(root / "build").as_posix() for p in root.glob("build/*/*/*.png"))
    assert [c.rsplit("/", 1)[1] for c in cards] == ["og.png", "og.png"]
    assert not (root / "output").exists()
    # The environment wins over the file, a flag over both.
    env = {"CARDGEN_OUT": "from-env"}
    assert cardgen(root, "render", env=env).returncode == 0
    assert list(root.glob("from-env/*/*/og.png"))
    assert cardgen(root, "render", "--out", "flag", "-p", "x", env=env).returncode == 0
    assert [p.name for p in root.glob("flag/*/*/*.png")] == ["x.png", "x.png"]
    check = cardgen(root, "check")
    assert check.stdout.startswith("ok: 2 quotes verified, 2 cards fit"), check.stdout


def test_an_unchanged_rerun_is_not_answered_after_the_settings_change(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", 1, ("og",))
    for _ in range(2):  # render, then settle (the second leaves the up-to-date stamp)
        assert cardgen(root, "render", "--jobs", "1").returncode == 0
    assert (root / "output" / ".cardgen" / "uptodate.json").is_file()
    write(root / "cardgen.toml", 'platforms = ["x"]\n')
    run = cardgen(root, "render", "--jobs", "1")
    assert run.returncode == 0 and run.stdout.startswith("rendered 1 cards"), run.stdout
    assert list(root.glob("output/*/*/x.png"))


# --- where the project is ---------------------------------------------------------------------


def test_the_project_is_found_from_a_subfolder_as_git_finds_its_repository(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "proj", 1, ("og",))
    inside = root / "quotes" / "articles"
    assert find_project(inside) == root and find_project(root) == root
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    assert find_project(alone) == alone
    run = cardgen(inside, "check")
    assert run.returncode == 0 and run.stdout.startswith("ok: 1 quotes"), run.stderr
    # A path typed in the subfolder is relative to it; the output goes to the project's.
    run = cardgen(root / "quotes", "render", "weekly.yaml", "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert list(root.glob("output/weekly/*/og.png"))
    assert not (root / "quotes" / "output").exists()
    run = cardgen(root / "quotes", "render", "weekly.yaml", "--out", "here", "--jobs", "1")
    assert run.returncode == 0 and list(root.glob("quotes/here/weekly/*/og.png")), run.stderr


def test_project_option_runs_as_if_started_there(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", 1, ("og",))
    run = cardgen(tmp_path, "-C", "proj", "render", "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert list(root.glob("output/weekly/*/og.png"))
    run = cardgen(tmp_path, "--project", str(root / "quotes"), "render", "weekly.yaml")
    assert run.returncode == 0, run.stderr
    run = cardgen(tmp_path, "-C", "missing", "check")
    assert run.returncode == 2 and run.stderr.startswith("error: --project missing:")
    before = Path.cwd()  # in this process too, and the caller's folder is kept
    code, stdout, _ = run_cli("-C", str(root / "quotes"), "config", "--json")
    assert code == 0 and json.loads(stdout)["root"] == str(root)
    assert Path.cwd() == before


def test_init_makes_its_project_where_it_is_told(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", 1, ("og",))
    (root / "sub").mkdir()
    run = cardgen(root / "sub", "init", "new")
    assert run.returncode == 0, run.stderr
    assert (root / "sub" / "new" / "quotes" / "welcome.yaml").is_file()


# --- switches ---------------------------------------------------------------------------------


def test_quiet_prints_errors_only(in_root: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run_cli("-q", "check")
    assert (code, stdout, stderr) == (0, "", "")
    code, stdout, stderr = run_cli("-q", "render", "-p", "og", "--out", str(tmp_path / "o"))
    assert (code, stdout, stderr) == (0, "", "")
    code, stdout, stderr = run_cli("-q", "check", "missing.yaml")
    assert code == 2 and stderr.startswith("error:")
    code, stdout, _ = run_cli("-q", "platforms")  # data is what was asked for: still there
    assert "instagram-square" in stdout


def test_verbose_says_more_and_tracebacks_need_two(in_root: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    code, _, stderr = run_cli("-v", "render", "-p", "og", "--out", out)
    assert code == 0, stderr
    assert stderr.count("og.png") == 8 and "Traceback" not in stderr
    code, _, stderr = run_cli("-v", "render", "missing.yaml", "--out", out)
    assert code == 2 and "Traceback" not in stderr
    code, _, stderr = run_cli("-vv", "render", "missing.yaml", "--out", out)
    assert code == 2 and "Traceback" in stderr


def on_a_terminal(*args: str, no_color: bool = False) -> str:
    """stderr of `cardgen ARGS` when it is a terminal."""
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-m", "cardgen", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env=env,
            timeout=120,
            check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(leader)


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    args = ("-C", str(tmp_path), "check", "missing.yaml")
    assert "\x1b[" in on_a_terminal(*args)
    assert "\x1b[" not in on_a_terminal(*args, no_color=True)
    assert "\x1b[" not in on_a_terminal("--no-color", *args)
    assert "error:" in on_a_terminal("--no-color", *args)


def test_shell_completion_installs_and_completes(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    # Typer finds the shell among the process's ancestors (shellingham), whatever the
    # arguments say: run it from bash (not exec'd by it), so a test run started detached
    # from any shell (nohup, cron) finds it too.
    run = subprocess.run(
        ["bash", "-c", '"$0" -m cardgen --install-completion; exit $?', sys.executable],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "cardgen" in (tmp_path / ".bashrc").read_text()
    words = {"_CARDGEN_COMPLETE": "complete_bash", "COMP_WORDS": "cardgen ren", "COMP_CWORD": "1"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cardgen"))],  # the name completion is keyed by
        capture_output=True,
        text=True,
        env={**env, **words},
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == ["render"]


# --- commands that do what their names say -----------------------------------------------------


def test_platforms_print_sizes_in_human_units() -> None:
    _, stdout, _ = run_cli("platforms")
    rows = {line.split()[0]: line for line in stdout.splitlines()}
    assert "file <= 16.8 MB" in rows["mastodon"]
    assert "file <= 8 MB" in rows["instagram-square"]
    assert "file <= 1 MB" in rows["bluesky"]


def test_fonts_are_families_with_their_styles(in_root: Path) -> None:
    code, stdout, _ = run_cli("fonts")
    assert code == 0
    lines = stdout.splitlines()
    assert "EB Garamond (Regular, Italic)" in lines
    assert "Inter (Regular, Italic, Semi Bold, Bold, Extra Bold)" in lines


def test_quote_renders_each_platform_with_its_caption(in_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "cards"
    code, stdout, stderr = run_cli(
        "quote", "Small steps, every day.", "--by", "A. Person", "-p", "x", "-p", "linkedin",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    written = [Path(line) for line in stdout.splitlines()]
    assert [p.name for p in written] == [
        "small-steps-every-day-x.png",
        "small-steps-every-day-linkedin.png",
    ]
    for card in written:
        caption = card.with_suffix(".txt").read_text(encoding="utf-8")
        assert "Small steps, every day." in caption and "A. Person" in caption
        assert "\n\nAlt text: " in caption
    code, _, stderr = run_cli(
        "quote", "Small steps.", "-p", "x", "-p", "og", "--out", str(tmp_path / "one.png")
    )
    assert code == 2 and "names one file, for 2 platforms" in stderr
    assert not (tmp_path / "one.png").exists()


# --- pipes and machines ------------------------------------------------------------------------


def cardgen(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cardgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


def closed_early(cwd: Path, *args: str) -> tuple[int, str]:
    """Run `cardgen ARGS | head -0`: the reader is gone before cardgen prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cardgen", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    return process.wait(timeout=300), stderr


def test_a_closed_pipe_ends_quietly_with_141_on_every_path(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", 2, ("og",))
    assert closed_early(root, "render", "--json", "--jobs", "1") == (141, "")
    assert not list(root.glob("output/**/*.tmp"))  # stopped as Ctrl-C stops: nothing half-written
    for _ in range(2):  # render all, then settle: the stamp answers the next one
        assert cardgen(root, "render", "--jobs", "1").returncode == 0
    assert closed_early(root, "render", "--jobs", "1") == (141, "")  # the up-to-date path
    assert closed_early(root, "render", "--jobs", "1", "--json") == (141, "")
    for args in (["check", "--json"], ["platforms", "--json"], ["schema", "layout"], ["fonts"]):
        assert closed_early(root, *args) == (141, ""), args


def test_suggest_json(in_root: Path) -> None:
    article = "quotes/articles/overcoming-working-mom-guilt.txt"
    code, stdout, stderr = run_cli("suggest", article, "-n", "3", "--json")
    assert code == 0, stderr
    document = json.loads(stdout)
    assert document["article"]["source"] == "articles/overcoming-working-mom-guilt.txt"
    ranks = document["suggestions"]
    assert [s["rank"] for s in ranks] == [1, 2, 3]
    assert set(ranks[0]) == {
        "rank", "id", "text", "attribution", "paragraph", "score", "elided", "contributions",
    }  # fmt: skip
    code, yaml_text, _ = run_cli("suggest", article, "-n", "3")
    for suggestion in ranks:  # the same passages as the YAML, under the same ids
        assert f"id: {suggestion['id']}" in yaml_text


def test_preview_json(in_root: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.png"
    code, stdout, stderr = run_cli(
        "preview", "quotes/overcoming-working-mom-guilt.yaml", "-p", "og", "-p", "x",
        "--out", str(sheet), "--json",
    )  # fmt: skip
    assert code == 0, stderr
    record = json.loads(stdout)
    assert record["event"] == "sheet" and record["path"] == str(sheet)
    assert record["platforms"] == ["og", "x"] and record["problems"] == []
    assert sheet.is_file()


# --- doctor -----------------------------------------------------------------------------------


def test_doctor_reports_versions_fonts_and_fixes(in_root: Path) -> None:
    code, stdout, _ = run_cli("doctor", "--json")
    findings = {f["name"]: f for f in json.loads(stdout)}
    for name in ("Python", "Pillow", "raqm", "HarfBuzz", "FriBiDi", "FreeType", "fontconfig"):
        assert name in findings, name
    assert findings["Python"]["found"].startswith(f"{sys.version_info[0]}.")
    for name in ("colour emoji", "CJK fallback", "tests' browser"):
        assert findings[name]["required"] is False
    for finding in findings.values():
        assert finding["ok"] or finding["fix"], finding  # missing always says what to install
    missing = [f for f in findings.values() if f["required"] and not f["ok"]]
    assert code == (1 if missing else 0)
    code, stdout, _ = run_cli("doctor")
    assert "EB Garamond" in stdout and "Pillow" in stdout


def test_doctor_says_what_to_install_when_something_is_missing(
    in_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cardgen.doctor as doctor
    from cardgen.typography import fonts

    monkeypatch.setattr(fonts, "system_faces", lambda: [])
    monkeypatch.setattr(doctor, "BROWSER", Path("/nonexistent/chromium"))
    monkeypatch.setattr(
        doctor.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None
    )
    code, stdout, _ = run_cli("doctor")
    assert code == 1  # fontconfig is needed for fallbacks
    assert "fix: apt-get install fonts-noto-color-emoji" in stdout
    assert "fix: apt-get install fonts-noto-cjk" in stdout
    assert "fix: apt-get install chromium" in stdout


# --- tests anywhere ---------------------------------------------------------------------------


def run_pytest(folder: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("reason", "ci_code"),
    [
        ("no browser here", 1),
        ("the quotes-dev development set is not beside the repository", 0),  # justified
    ],
)
def test_ci_fails_when_a_test_was_skipped(tmp_path: Path, reason: str, ci_code: int) -> None:
    write(tmp_path / "conftest.py", "from tests.conftest import pytest_sessionfinish\n")
    write(
        tmp_path / "test_some.py",
        f"import pytest\n\ndef test_a():\n    pytest.skip({reason!r})\n\ndef test_b():\n    pass\n",
    )
    assert run_pytest(tmp_path, ci=False).returncode == 0
    run = run_pytest(tmp_path, ci=True)
    assert run.returncode == ci_code, run.stdout
    if ci_code:
        assert f"test_some.py::test_a: {reason}" in run.stdout
