"""`--cache DIR|URL`: cards any machine drew before are copied, not drawn; entries whole."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from cardgen.batch.cache import CachedCard, FolderCache, entry_name, open_cache, pack, unpack
from cardgen.errors import InputError
from tests.batchkit import make_project
from tests.helpers import run_cli

KEY = "ab" + "0" * 62


def sums(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*.png"))
    }


def done_event(stdout: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    assert event["event"] == "done"
    return event


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "proj", 2, ("bluesky", "x"))
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("spec", ["cache", "file://{root}/cache"])
def test_second_machine_copies_from_the_cache(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    spec = spec.format(root=project)
    code, _, err = run_cli("render", "-j", "1", "-o", "first", "--cache", spec)
    assert code == 0, err
    # "Another machine": the same project checked out elsewhere, sharing only the cache.
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(project / "quotes", elsewhere / "quotes")
    shutil.copytree(project / "layouts", elsewhere / "layouts")
    monkeypatch.chdir(elsewhere)
    if not spec.startswith("file://"):
        spec = str(project / spec)
    code, stdout, err = run_cli("render", "-j", "1", "-o", "out", "--cache", spec, "--json")
    assert code == 0, err
    done = done_event(stdout)
    assert (done["rendered"], done["cached"]) == (0, 4)
    assert sums(elsewhere / "out") == sums(project / "first")
    records = json.loads((elsewhere / "out" / "manifest.json").read_text())["cards"]
    first = json.loads((project / "first" / "manifest.json").read_text())["cards"]
    assert [r["status"] for r in records] == ["cached"] * 4
    for record in [*records, *first]:
        del record["status"]
    assert records == first


def test_memory_url_and_force(project: Path) -> None:
    url = f"memory://cardgen-test-{project.name}-{id(project)}"
    assert run_cli("render", "-j", "1", "-o", "a", "--cache", url)[0] == 0
    code, stdout, _ = run_cli("render", "-j", "1", "-o", "b", "--cache", url, "--json")
    assert code == 0 and done_event(stdout)["cached"] == 4
    code, stdout, _ = run_cli("render", "-j", "1", "-o", "c", "--cache", url, "--json", "--force")
    assert code == 0 and done_event(stdout)["rendered"] == 4  # --force draws again
    assert sums(project / "a") == sums(project / "b") == sums(project / "c")


def test_a_damaged_entry_is_drawn_again(project: Path) -> None:
    assert run_cli("render", "-j", "1", "-o", "a", "--cache", "cache")[0] == 0
    entries = sorted((project / "cache").rglob("*.card"))
    assert len(entries) == 4
    entries[0].write_bytes(entries[0].read_bytes()[:-10])  # torn
    entries[1].write_bytes(b"")
    code, stdout, _ = run_cli("render", "-j", "1", "-o", "b", "--cache", "cache", "--json")
    assert code == 0
    assert (done_event(stdout)["rendered"], done_event(stdout)["cached"]) == (2, 2)
    assert sums(project / "a") == sums(project / "b")
    assert all(unpack(e.read_bytes()) is not None for e in entries)  # rewritten whole


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("foo://bucket/cards", "unknown scheme 'foo://'"),
        ("nosuchfs://x", "unknown scheme"),
    ],
)
def test_unknown_scheme_exits_2_writing_nothing(project: Path, spec: str, message: str) -> None:
    code, _, err = run_cli("render", "-o", "out", "--cache", spec)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (project / "out").exists()


def test_a_cache_folder_that_is_a_file(project: Path) -> None:
    (project / "afile").write_text("x")
    code, _, err = run_cli("render", "-o", "out", "--cache", "afile")
    assert code == 2 and "cannot use it as a cache folder" in err


def test_pack_round_trip_and_damage() -> None:
    card = CachedCard(b"\x89PNG...", "png", {"width": 10, "texts": []})
    blob = pack(card)
    assert unpack(blob) == card
    for damaged in (blob[:-1], blob + b"x", blob[:20], b"", blob.replace(b"png", b"jpg", 1)[:-1]):
        assert unpack(damaged) is None
    with pytest.raises(ValueError, match="not a cache key"):
        entry_name("../../etc/passwd")
    assert open_cache("memory://x").where == "memory://x"
    with pytest.raises(InputError):
        open_cache("gopherx://x")


def _writer(root: str, seed: int) -> None:
    cache = FolderCache(Path(root))
    for n in range(200):
        data = bytes([seed]) * (50_000 + n)
        cache.put(KEY, CachedCard(data, "png", {"writer": seed, "n": n}))


def test_concurrent_writers_never_leave_a_partial_entry(tmp_path: Path) -> None:
    """Two processes rewrite one entry while this one reads it: always a whole card."""
    cache = FolderCache(tmp_path / "cache")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(tmp_path / "cache"), s)) for s in (1, 2)]
    for process in writers:
        process.start()
    reads = 0
    while any(p.is_alive() for p in writers) or reads == 0:
        blob = (tmp_path / "cache" / entry_name(KEY)).read_bytes() if cache.has(KEY) else None
        if blob is not None:
            card = unpack(blob)
            assert card is not None, "a partial entry was visible"
            assert card.data == bytes([card.facts["writer"]]) * (50_000 + card.facts["n"])
            reads += 1
    for process in writers:
        process.join()
        assert process.exitcode == 0
    assert reads > 0
    assert [p.name for p in (tmp_path / "cache" / KEY[:2]).iterdir()] == [f"{KEY}.card"]
