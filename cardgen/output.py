"""The output folder: card paths, atomic writes and the manifest."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cardgen.errors import InputError


def card_path(selection: str, quote_id: str, platform: str, fmt: str) -> str:
    """`<selection>/<quote-id>/<platform>.<ext>`, relative to the output folder."""
    ext = "jpg" if fmt == "jpeg" else fmt
    return f"{selection}/{quote_id}/{platform}.{ext}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(
            f"cannot write to {path.parent}: {exc.strerror}",
            hint="check the output folder's permissions",
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(out: Path, generator: str, cards: list[dict[str, Any]]) -> Path:
    """`OUT/manifest.json`, written last, sorted so equal runs give equal bytes."""
    ordered = sorted(cards, key=lambda c: (c["selection"], c["quote_id"], c["platform"]))
    body = {"generator": generator, "cards": ordered}
    path = out / "manifest.json"
    write_atomic(path, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path
