"""Memory that stays flat: the manifest, captions.csv and the review page are written from
records on disk (a run's spool), one card at a time, so writing ten times the cards takes
no more memory than the card ids themselves; and a whole render (plan, run, stamp) grows
by a few hundred bytes a card."""

from __future__ import annotations

import json
import pickle
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from benchmarks.bench_memory import make_project, synthetic_record, write_files
from cardgen.batch.cardplan import CardsToDo, Triples
from cardgen.batch.folder import claim
from cardgen.batch.output import (
    manifest_cards,
    manifest_lines,
    manifest_statuses,
    old_carousels,
    read_manifest,
    write_captions_csv,
    write_manifest,
)
from cardgen.batch.plan import Project, load_selections, plan
from cardgen.batch.spool import Joined, Mapped, RecordSpool, SpoolFile, record_id
from cardgen.errors import InputError
from cardgen.typography import fonts


class SmallChainCaches(fonts.FontRegistry):
    """A project's font registry whose chains remember 50 texts, not 20,000."""

    def __init__(self, folders: tuple[Path, ...], system: bool = True) -> None:
        super().__init__(folders, system, chain_cache_limit=50)


def peak_of_writing(tmp: Path, cards: int) -> int:
    """Bytes the writing path takes at its peak beyond what it was handed."""
    out = tmp / f"out-{cards}"
    out.mkdir()
    records = RecordSpool(SpoolFile(tmp))
    for index in range(cards):
        card = synthetic_record(index)
        records[record_id(card)] = card
    tracemalloc.start()
    try:
        write_files(out, records)  # Jinja, its template and the imports: not counted
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        write_files(out, records)
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_writing_ten_times_the_cards_takes_no_more_memory_than_their_ids(tmp_path: Path) -> None:
    small, large = peak_of_writing(tmp_path, 300), peak_of_writing(tmp_path, 3_000)
    # What grows is the ids (sorted for each file's order, grouped by quote for the page):
    # under 300 bytes a card, where the records themselves are ~5 kB of JSON a card (the
    # manifest alone was ~7 kB a card as Python objects before it was written streaming).
    assert (large - small) / 2_700 < 300, (small, large)
    manifest = tmp_path / "out-3000" / "manifest.json"
    assert manifest.stat().st_size > 3_000 * 2_000  # the records really were written


def test_a_manifest_written_from_a_spool_is_the_one_written_from_a_list(tmp_path: Path) -> None:
    cards = [synthetic_record(index) for index in (7, 3, 11, 0, 5)]
    spool = RecordSpool(SpoolFile(tmp_path))
    for card in cards:
        spool[record_id(card)] = card
    for name, records in (("list", cards), ("spool", spool)):
        (tmp_path / name).mkdir()
        write_manifest(tmp_path / name, "cardgen test", records, durable=False)
        write_captions_csv(tmp_path / name, records)
    for file in ("manifest.json", "captions.csv"):
        assert (tmp_path / "list" / file).read_bytes() == (tmp_path / "spool" / file).read_bytes()
    body = {"generator": "cardgen test", "cards": sorted(cards, key=record_id)}
    expected = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    assert (tmp_path / "spool" / "manifest.json").read_text(encoding="utf-8") == expected
    read_back = list(manifest_cards(tmp_path / "spool" / "manifest.json"))
    assert read_back == body["cards"]


def render_peak(tmp: Path, cards: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Bytes a whole `cardgen render --jobs 1` takes at its peak beyond what it started
    with: the command line, loading and planning, fitting, drawing and writing every card,
    the manifest and review page, and the up-to-date stamp, all in this process."""
    from cardgen.__main__ import main

    folder = tmp / f"project-{cards}"
    make_project(folder, cards)
    time.sleep(0.05)  # inputs older than the run by a clock tick: else the stamp doubts them
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "argv", ["cardgen", "render", "--jobs", "1", "--out", "out"])
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    with pytest.raises(SystemExit) as done:
        main()
    peak = tracemalloc.get_traced_memory()[1] - start
    assert done.value.code == 0
    assert (folder / "out" / ".cardgen" / "uptodate.json").is_file()  # the stamp was made
    assert len(json.loads((folder / "out" / "manifest.json").read_bytes())["cards"]) == cards
    return peak


def test_a_whole_render_grows_by_few_bytes_a_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten times the cards take little more memory: the plan is six numbers a card, the
    records, texts and fitted cards wait on disk, the stamp holds a sum of the output
    folder and 8 bytes a file written, the events a rerun prints are made as read. (Before,
    ~4 kB a card: 100,000 cards would have peaked near 520 MB.)"""
    # The text shaper's caches are bounded (20,000 texts a chain, a few MB, filled over
    # the first thousands of cards): kept small here, what is measured is the run's own.
    monkeypatch.setattr(fonts, "FontRegistry", SmallChainCaches)
    tracemalloc.start()
    try:
        render_peak(tmp_path, 100, monkeypatch)  # imports, fonts, templates: not counted
        small = render_peak(tmp_path, 300, monkeypatch)
        large = render_peak(tmp_path, 3_000, monkeypatch)
    finally:
        tracemalloc.stop()
    # What still grows (~1.7 kB a card measured): each card's id and where its record
    # waits, its number in the plan, key and fitted place, the ids sorted for the manifest
    # and grouped for the page, and caches of the text shaper still filling at 3,000
    # cards. The code before this test gave ~3,400 bytes a card.
    assert (large - small) / 2_700 < 2_500, (small, large)


def test_a_plan_of_numbers_gives_the_jobs_a_list_did(tmp_path: Path) -> None:
    make_project(tmp_path, 300)
    project = Project.open(tmp_path)
    selections = load_selections(None, project)
    jobs = plan(selections, project, layout="bold")
    expected = [
        (selection, quote, project.platform(platform), "bold", "png")
        for selection in [pickle.loads(pickle.dumps(s)) for s in selections]
        for quote in selection.quotes
        for platform in quote.platforms or ()
    ]
    made = [(j.selection, j.quote, j.platform, j.layout, j.fmt) for j in jobs]
    assert len(jobs) == len(expected) == 300
    assert made == expected
    assert [j.path for j in jobs][:2] == ["part0/q0/tiny-0.png", "part0/q0/tiny-1.png"]
    assert jobs[-1] == list(jobs)[-1] and jobs[10:13] == list(jobs)[10:13]
    assert [s.name for s in selections] == [f"part{n}" for n in range(10)]
    assert selections[-1] == selections[9] and list(selections[8:]) == [*selections][8:]
    with pytest.raises(IndexError):
        jobs[300]


def test_cards_to_do_and_triples_hold_what_a_list_and_a_dict_would(tmp_path: Path) -> None:
    make_project(tmp_path, 100)
    project = Project.open(tmp_path)
    jobs = plan(load_selections(None, project), project)
    todo = CardsToDo(jobs)
    error = InputError("no room for the caption")
    kept = [(7, "ab" * 32, 120), (3, "0f" * 32, error), (99, "12" * 32, 0)]
    for card, key, where in kept:
        todo.append(card, key, where)
    assert list(todo) == [(jobs[card], key, where) for card, key, where in kept]
    assert todo[1][2] is error
    with pytest.raises(ValueError, match="not a sha256"):
        todo.append(1, "abcd", 0)
    triples: Triples[tuple[int, int, int]] = Triples(lambda a, b, c: (a, b, c))
    model: dict[int, tuple[int, int, int]] = {}
    for index, value in [(5, (1, 2, 3)), (0, (0, 0, 0)), (9, (4, 5, 6)), (5, (7, 8, 9))]:
        triples[index] = model[index] = value
    assert dict(triples) == model and list(triples) == sorted(model)
    assert triples.pop(5) == model.pop(5) and 5 not in triples and len(triples) == 2
    with pytest.raises(KeyError):
        triples[5]
    with pytest.raises(ValueError):
        triples[1] = (-1, 0, 0)


def test_mapped_and_joined_read_as_lists() -> None:
    numbers = list(range(5))
    mapped = Mapped(numbers, lambda n: n * 10)
    joined = Joined([-1], mapped, [], [99])
    assert list(joined) == [-1, 0, 10, 20, 30, 40, 99] and len(joined) == 7
    assert joined[3] == 20 and joined[-1] == 99 and joined[1:3] == [0, 10]
    with pytest.raises(IndexError):
        joined[7]


def test_an_earlier_manifest_is_read_as_a_stream_never_whole(tmp_path: Path) -> None:
    """A render into a folder of many cards reads the manifest it finds there for its
    carousels, its statuses (the first rerun settles them) and whether the folder is
    cardgen's: each read as it goes. Loaded whole, a rerun over 10,000 cards held 270 MB."""
    cards = [synthetic_record(index) for index in range(3000)]
    carousel = {
        "selection": "weekly.yaml",
        "carousel_id": "best",
        "platform": "instagram-square",
        "status": "rendered",
        "ratio": 0.5,
    }
    write_manifest(tmp_path, "cardgen test", cards, durable=False, carousels=[carousel])
    manifest = tmp_path / "manifest.json"
    size = manifest.stat().st_size
    tracemalloc.start()
    try:
        assert old_carousels(tmp_path) == [carousel]
        statuses = list(manifest_statuses(manifest))
        assert sum(1 for _ in manifest_lines(manifest)) > 3000
        claim(tmp_path, adopt=False)  # no marker, no .cardgen/: the manifest says it is ours
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 5_000_000 and peak < size / 8, (size, peak)
    assert statuses == [str(card["status"]) for card in cards] + ["rendered"]
    # The same folder with a manifest of something else is not taken for cardgen's.
    manifest.write_text(json.dumps({"generator": "other 1.0", "cards": []}), encoding="utf-8")
    with pytest.raises(InputError, match="not a cardgen output folder"):
        claim(tmp_path, adopt=False)
    manifest.write_text(json.dumps({"generator": "cardgen 1.0", "cards": {}}), encoding="utf-8")
    with pytest.raises(InputError, match="not a cardgen output folder"):
        claim(tmp_path, adopt=False)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"carousels": ' + "[" * 100_000,
        '{"cards": [' + "[" * 100_000,
        '{"cards": [1',
    ],
)
def test_a_manifest_nested_deep_or_cut_short_is_passed_over_in_little_memory(
    tmp_path: Path, body: str
) -> None:
    """ijson's paths grow with the depth: `[[[[...` 100,000 deep took 2 GB to read the
    carousels of. A manifest nested past cardgen's own few levels is not one."""
    (tmp_path / "manifest.json").write_text(body, encoding="utf-8")
    tracemalloc.start()
    try:
        assert old_carousels(tmp_path) == []
        with pytest.raises(ValueError):
            list(manifest_statuses(tmp_path / "manifest.json"))
        with pytest.raises(InputError, match="not a cardgen output folder"):
            claim(tmp_path, adopt=False)
        warnings: list[str] = []
        assert list(read_manifest(tmp_path, warnings.append)) == []
        assert warnings and "is not a cardgen manifest" in warnings[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, peak
