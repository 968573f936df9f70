"""One error path: bugs and unexpected failures are one line with a distinct exit code."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cardgen.batch.plan
import cardgen.batch.runner
from cardgen.errors import EXIT_INTERNAL, InputError
from tests.helpers import run_cli


def _boom(*args: object, **kwargs: object) -> object:
    msg = "an invariant broke\nover two lines"
    raise RuntimeError(msg)


def test_bug_is_one_line_with_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cardgen.batch.runner, "render", _boom)
    code, stdout, stderr = run_cli("render")
    assert code == EXIT_INTERNAL == 70
    assert stderr == (
        "error: internal error: RuntimeError: an invariant broke over two lines "
        "(run with -vv for the traceback and report it)\n"
    )
    assert "Traceback" not in stdout + stderr


def test_verbose_shows_the_traceback_of_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cardgen.batch.runner, "render", _boom)
    code, _, stderr = run_cli("-v", "render")  # one -v: more detail, no traceback
    assert code == 70 and "Traceback" not in stderr
    code, _, stderr = run_cli("--verbose", "--verbose", "render")
    assert code == 70
    assert "Traceback (most recent call last)" in stderr
    assert "RuntimeError: an invariant broke" in stderr
    assert stderr.rstrip().splitlines()[-1].startswith("error: internal error: RuntimeError")


def test_verbose_shows_the_traceback_of_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(*args: object, **kwargs: object) -> object:
        raise InputError("nope", file="quotes/x.yaml", line=3, key="quotes", hint="fix it")

    monkeypatch.setattr(cardgen.batch.plan, "check", bad)
    code, _, stderr = run_cli("check")
    assert (code, stderr) == (2, "error: quotes/x.yaml:3 quotes: nope (fix it)\n")
    code, _, stderr = run_cli("-vv", "check")
    assert code == 2 and "Traceback" in stderr and "InputError: nope" in stderr


def test_unexpected_os_error_is_an_input_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> object:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), "layouts/secret")

    monkeypatch.setattr(cardgen.batch.plan, "check", denied)
    code, _, stderr = run_cli("check")
    assert code == 2
    assert stderr.startswith("error: cannot access layouts/secret: Permission denied")


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    """Outside CliRunner too: a real `python -m cardgen` run on a broken selection."""
    (tmp_path / "quotes").mkdir()
    (tmp_path / "quotes" / "x.yaml").write_text("a: &a [1, *a]\n")
    result = subprocess.run(
        [sys.executable, "-m", "cardgen", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "error: quotes/x.yaml:1 recursive alias: a value contains itself "
        "(an alias may only refer to an anchor outside it)\n"
    )


def test_every_template_name_a_layout_accepts_is_filled_by_scenes() -> None:
    import dataclasses

    from cardgen.design.cardtext import TEMPLATE_FIELDS, CardText

    assert set(TEMPLATE_FIELDS) == {f.name for f in dataclasses.fields(CardText)} - {"lang"}
    values = {name: f"<{name}>" for name in TEMPLATE_FIELDS}
    filled = CardText(**values).fill(" ".join("{" + n + "}" for n in TEMPLATE_FIELDS))
    assert filled == " ".join(values.values())


def test_library_os_error_without_errno_is_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow raises OSError('invalid pixel size') for bad values: that is no disk problem."""

    def pillow_like(*args: object, **kwargs: object) -> object:
        msg = "invalid pixel size"
        raise OSError(msg)

    monkeypatch.setattr(cardgen.batch.plan, "check", pillow_like)
    code, _, stderr = run_cli("check")
    assert code == 70
    assert stderr.startswith("error: internal error: OSError: invalid pixel size")


def test_command_line_bytes_that_are_not_utf8() -> None:
    """Python maps undecodable argv bytes to lone surrogates; they must not reach a card."""
    code, _, stderr = run_cli("quote", "bad \udcff byte", "--out", "unused.png")
    assert code == 2
    assert "broken character U+DCFF (not valid UTF-8)" in stderr
    assert not Path("unused.png").exists()
