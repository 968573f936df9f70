"""Memory that stays flat: the manifest, captions.csv and the review page are written from
records on disk (a run's spool), one card at a time, so writing ten times the cards takes
no more memory than the card ids themselves."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from benchmarks.bench_memory import synthetic_record, write_files
from cardgen.batch.output import manifest_cards, write_captions_csv, write_manifest
from cardgen.batch.spool import RecordSpool, SpoolFile, record_id


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
