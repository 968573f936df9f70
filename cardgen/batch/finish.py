"""The end of writing an output folder, a render's or a merge's, in the contract's order:
captions.csv, the review page, every file on the disk, then the manifest, last."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cardgen.batch.carousel_records import CarouselRecord, caption_rows
from cardgen.batch.output import (
    WriteLog,
    generator,
    sync_file_system,
    write_captions_csv,
    write_manifest,
)
from cardgen.batch.spool import CardRecords

if TYPE_CHECKING:
    from cardgen.batch.records import ShardHeader
    from cardgen.design.platforms import Platform


def finish_folder(
    out: Path,
    records: CardRecords,
    platforms: Mapping[str, Platform],
    *,
    carousels: Sequence[CarouselRecord] = (),
    shard: ShardHeader | None = None,
    log: WriteLog | None = None,
    sync: bool = True,
) -> Path:
    """captions.csv and the review page, every file on the disk (`sync`: one flush for all
    the cards written, where a flush a card would cost ~4 ms each), then the manifest; its
    path. `records`: every card OUT now holds, read one at a time. The caller then clears
    its journal, which the manifest now holds."""
    from cardgen.review.gallery import write_gallery  # Jinja: only once the cards are done

    write_captions_csv(out, records, extra=caption_rows(carousels), log=log)
    write_gallery(out, records, platforms, carousels=carousels, log=log)
    if sync:
        sync_file_system(out)
    return write_manifest(out, generator(), records, log=log, shard=shard, carousels=carousels)
