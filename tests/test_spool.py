"""A run's spool (records and fitted cards waiting in an unnamed temporary file) is closed,
never left to the garbage collector or to Python's exit: no `ResourceWarning`, which
`-W error` turns into an error and `-X dev` prints."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.bench_memory import synthetic_record
from cardgen.batch.spool import RecordSpool, SpoolFile
from tests.batchkit import make_project
from tests.killkit import python


@contextmanager
def no_resource_warnings() -> Iterator[None]:
    """Fails if anything made inside the block warns of a resource left open, when it is
    collected (`gc.collect`, within the block) or closed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    left_open = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not left_open, left_open


def _spool_let_go() -> None:
    spool = RecordSpool(SpoolFile())
    spool[("a.yaml", "q", "x")] = synthetic_record(0)
    assert spool[("a.yaml", "q", "x")]["quote_id"]


def _spool_closed() -> None:
    with SpoolFile() as file:
        RecordSpool(file)[("a.yaml", "q", "x")] = synthetic_record(0)
    file.close()  # twice: harmless


@pytest.mark.parametrize("use", [_spool_let_go, _spool_closed], ids=["let-go", "closed"])
def test_a_spool_warns_of_no_open_file(use: Callable[[], None]) -> None:
    with no_resource_warnings():
        use()


def test_a_whole_render_and_merge_leave_no_file_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, as the library is used: its report read and let go."""
    import cardgen
    from cardgen.batch.merge import merge
    from cardgen.design.platforms import load_platforms

    root = make_project(tmp_path / "proj", 2, ("bluesky", "x"))
    monkeypatch.chdir(root)
    with no_resource_warnings():
        for part in ("1/2", "2/2"):
            report = cardgen.render(out=Path(f"part{part[0]}"), shard=part, jobs=1)
            assert [card["status"] for card in report.cards]
            del report
        merged = merge(
            [Path("part1"), Path("part2")], Path("whole"), platforms=load_platforms(root)
        )
        assert merged.cards == 4


@pytest.mark.parametrize(
    "command",
    [["render", "--jobs", "2", "--out", "out"], ["check"]],
    ids=["render", "check"],
)
def test_cardgen_exits_with_no_file_left_open(tmp_path: Path, command: list[str]) -> None:
    """`python -W error::ResourceWarning -X dev -m cardgen ...`: a file left open would be
    reported as Python exits (`Exception ignored ... ResourceWarning: unclosed file`)."""
    root = make_project(tmp_path / "proj", 2, ("bluesky", "x"))
    done = python(root, "-X", "dev", "-W", "error::ResourceWarning", "-m", "cardgen", *command)
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stderr and "unclosed" not in done.stderr, done.stderr
