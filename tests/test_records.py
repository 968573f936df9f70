"""What a render writes and prints is typed: every manifest, journal line and `--json` event
of a real run fits the JSON Schema `cardgen schema` prints, and nothing else does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.batchkit import make_project
from tests.helpers import run_cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "proj", 2, ("bluesky", "x"))
    monkeypatch.chdir(root)
    return root


def schema(kind: str) -> dict[str, Any]:
    code, stdout, stderr = run_cli("schema", kind)
    assert code == 0, stderr
    body: dict[str, Any] = json.loads(stdout)
    jsonschema.Draft202012Validator.check_schema(body)
    return body


def test_every_manifest_and_event_of_a_run_fits_the_printed_schemas(project: Path) -> None:
    manifest_schema, event_schema = schema("manifest"), schema("events")
    selection = project / "quotes" / "weekly.yaml"
    whole = selection.read_text(encoding="utf-8")
    missing = whole + "  - id: gone\n    text: Not in the article.\n"
    runs = [
        (whole, ("--dry-run",)),  # status render
        (missing, ("--keep-going", "--jobs", "1000")),  # rendered, failed, a warning
        (whole, ()),  # cached
        (whole, ("--dry-run",)),  # cached
    ]
    seen: set[tuple[str, str]] = set()
    for text, args in runs:
        selection.write_text(text, encoding="utf-8")
        code, stdout, stderr = run_cli("render", "--json", *args)
        assert code in (0, 1), stderr
        for line in stdout.splitlines():
            event = json.loads(line)
            jsonschema.validate(event, event_schema)
            seen.add((event["event"], event.get("status", "")))
        manifest = project / "output" / "manifest.json"
        if manifest.exists():
            body = json.loads(manifest.read_text(encoding="utf-8"))
            jsonschema.validate(body, manifest_schema)
    assert seen == {
        ("start", ""),
        ("card", "render"),
        ("card", "rendered"),
        ("card", "failed"),
        ("card", "cached"),
        ("warning", ""),
        ("done", ""),
    }


def test_the_schemas_refuse_what_cardgen_never_writes(project: Path) -> None:
    manifest_schema, event_schema = schema("manifest"), schema("events")
    assert run_cli("render", "-p", "x")[0] == 0
    body = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))
    card = body["cards"][0]
    for broken in (
        {**card, "colour": "red"},  # a key no card has
        {**card, "status": "drawn"},
        {**card, "bytes": "many"},
        {k: v for k, v in card.items() if k != "sha256"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**body, "cards": [broken]}, manifest_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"event": "started", "cards": 1}, event_schema)


def test_an_unknown_schema_is_a_usage_error_with_a_hint() -> None:
    code, _, stderr = run_cli("schema", "manifst")
    assert code == 2
    assert stderr.strip() == "error: no schema named 'manifst' (did you mean 'manifest'?)"


def test_the_manifest_schema_describes_carousels_and_their_slides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cardgen schema manifest` types a manifest's carousels as it types its cards: a real
    run's carousels fit, and a carousel or slide cardgen never writes does not."""
    from tests.test_carousels import CAROUSEL
    from tests.test_carousels import make_project as carousel_project

    manifest_schema = schema("manifest")
    carousels = manifest_schema["properties"]["carousels"]
    assert carousels["type"] == "array" and carousels["items"] == {"$ref": "#/$defs/CarouselRecord"}
    slide = manifest_schema["$defs"]["SlideRecord"]
    assert slide["properties"]["role"]["enum"] == ["cover", "quote", "closing"]

    monkeypatch.chdir(carousel_project(tmp_path / "proj", CAROUSEL))
    code, _, stderr = run_cli("render")
    assert code == 0, stderr
    body = json.loads(Path("output", "manifest.json").read_text(encoding="utf-8"))
    assert body["carousels"] and all(c["slides"] for c in body["carousels"])
    jsonschema.validate(body, manifest_schema)
    carousel = body["carousels"][0]
    first = carousel["slides"][0]
    for broken in (
        {k: v for k, v in carousel.items() if k != "carousel_id"},
        {**carousel, "kind": "video"},
        {**carousel, "status": "drawn"},
        {**carousel, "slides": "all of them"},
        {**carousel, "slides": [{**first, "role": "middle"}]},
        {**carousel, "slides": [{**first, "index": "first"}]},
        {**carousel, "slides": [{k: v for k, v in first.items() if k != "alt_text"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**body, "carousels": [broken]}, manifest_schema)
