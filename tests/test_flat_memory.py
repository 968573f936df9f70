"""Memory that stays flat: the manifest, captions.csv and the review page are written from
records on disk (a run's spool), one card at a time, so writing ten times the cards takes
no more memory than the card ids themselves."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any, cast

from cardgen.batch.output import manifest_cards, write_captions_csv, write_manifest
from cardgen.batch.records import CardRecord
from cardgen.batch.spool import RecordSpool, SpoolFile, record_id
from cardgen.design.platforms import BUILTIN
from cardgen.review.gallery import write_gallery

PLATFORMS = {p.id: p for p in BUILTIN}
ON = ("instagram-square", "x", "linkedin", "bluesky")


def synthetic(index: int) -> CardRecord:
    """A record the size of a real one (~2.4 kB of JSON): three texts, six elements."""
    platform = ON[index % len(ON)]
    quote = f"q{index // len(ON)}"
    lines = [f"Small steps number {index}", "add up to a life", "we are proud of."]
    box = [16, 51, 144, 101]
    text = {
        "role": "quote",
        "font": "EB Garamond",
        "font_size": 44,
        "lines": 3,
        "line_texts": lines,
        "box": box,
        "ink_box": box,
        "fonts": ["EB Garamond"],
    }
    element = {
        "id": "quote",
        "type": "text",
        "role": "quote",
        "box": box,
        "ink_box": box,
        "lines": lines,
    }
    record: dict[str, Any] = {
        "selection": f"quotes/s{index % 3}.yaml", "quote_id": quote, "platform": platform,
        "layout": "classic", "brand": "default", "path": f"s/{quote}/{platform}.png",
        "width": 1080, "height": 1080, "format": "png", "bytes": 81234,
        "sha256": f"{index:064x}", "text": " ".join(lines), "attribution": "Bench Mark",
        "source": {"title": "A benchmark article", "author": "Bench Mark", "url": None},
        "caption": f"“{' '.join(lines)}” — Bench Mark\n\nA benchmark article",
        "alt_text": "Quote card with dark serif text on cream paper. " * 3,
        "status": "rendered", "texts": [text] * 3, "elements": [element] * 6,
        "warnings": [], "cache_key": f"{index:064x}", "caption_file": f"s/{quote}/{platform}.txt",
    }  # fmt: skip
    return cast(CardRecord, record)


def write_all(out: Path, records: RecordSpool) -> None:
    write_captions_csv(out, records)
    write_gallery(out, records, PLATFORMS)
    write_manifest(out, "cardgen test", records, durable=False)


def peak_of_writing(tmp: Path, cards: int) -> int:
    """Bytes the writing path takes at its peak beyond what it was handed."""
    out = tmp / f"out-{cards}"
    out.mkdir()
    records = RecordSpool(SpoolFile(tmp))
    for index in range(cards):
        card = synthetic(index)
        records[record_id(card)] = card
    tracemalloc.start()
    try:
        write_all(out, records)  # Jinja, its template and the imports: not counted
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        write_all(out, records)
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
    cards = [synthetic(index) for index in (7, 3, 11, 0, 5)]
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
