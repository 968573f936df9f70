"""Review decisions (`OUT/review.json`), the review API of `cardgen serve`, and export."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import http.client
import io
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.batch.captions import count
from cardgen.design.platforms import BUILTIN
from cardgen.errors import InputError
from cardgen.review import decisions
from cardgen.review.export import export, parse_slots, slot_times
from cardgen.review.serve import GalleryServer
from tests.helpers import run_cli
from tests.servekit import serving

PLATFORMS = {p.id: p for p in BUILTIN}
PARIS = ZoneInfo("Europe/Paris")
# A Wednesday morning in Paris.
NOW = dt.datetime(2026, 12, 2, 10, 30, tzinfo=PARIS)


def _card(quote_id: str, platform: str, selection: str = "quotes/week.yaml") -> dict[str, Any]:
    data = f"{selection}/{quote_id}/{platform}".encode()
    return {
        "selection": selection,
        "quote_id": quote_id,
        "platform": platform,
        "layout": "classic",
        "path": f"week/{quote_id}/{platform}.png",
        "width": 1080,
        "height": 1080,
        "format": "png",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "text": f"Quote {quote_id}.",
        "attribution": "Someone",
        "source": {},
        "caption": f"\u201cQuote {quote_id}.\u201d #{platform.replace('-', '')}",
        "alt_text": f"Quote card: Quote {quote_id}.",
        "status": "rendered",
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A project folder with a selection (quote order: gamma, alpha, beta) and OUT."""
    (tmp_path / "quotes").mkdir()
    (tmp_path / "quotes" / "week.yaml").write_text(
        "article: {source: a.txt}\nquotes:\n"
        + "".join(f"  - id: {q}\n    find: {q}\n" for q in ("gamma", "alpha", "beta")),
        encoding="utf-8",
    )
    folder = tmp_path / "out"
    cards = [_card(q, p) for q in ("alpha", "beta", "gamma") for p in ("instagram-square", "x")]
    for card in cards:
        (folder / card["path"]).parent.mkdir(parents=True, exist_ok=True)
        (folder / card["path"]).write_bytes(b"\x89PNG fake " + card["sha256"].encode())
    (folder / "manifest.json").write_text(json.dumps({"cards": cards}), encoding="utf-8")
    return folder


def cards_of(out: Path) -> dict[str, dict[str, Any]]:
    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cards"]
    return {r["sha256"]: r for r in records}


def sha(out: Path, quote_id: str, platform: str) -> str:
    return next(
        s
        for s, r in cards_of(out).items()
        if (r["quote_id"], r["platform"]) == (quote_id, platform)
    )


# --- decisions ------------------------------------------------------------------------------


def test_decisions_are_saved_by_card_hash_and_merged_field_by_field(out: Path) -> None:
    known = cards_of(out)
    card = sha(out, "alpha", "x")
    decisions.update(out, card, {"status": "approved"}, known=known)
    decisions.update(out, card, {"caption": "New caption"}, known=known)
    held = decisions.load(out)
    assert held[card].status == "approved" and held[card].caption == "New caption"
    assert held[card].path == "week/alpha/x.png"
    data = json.loads((out / "review.json").read_text(encoding="utf-8"))
    assert data["format"] == 1 and list(data["cards"]) == [card]
    # Back to the rendered caption and undecided: the entry goes.
    decisions.update(out, card, {"caption": known[card]["caption"], "status": None}, known=known)
    assert decisions.load(out) == {}


def test_concurrent_edits_never_lose_one_another(out: Path) -> None:
    known = cards_of(out)
    hashes = sorted(known)
    errors: list[BaseException] = []

    def tab(field: str, value: str) -> None:
        try:
            for card in hashes:
                decisions.update(out, card, {field: value}, known=known)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    tabs = [
        threading.Thread(target=tab, args=("status", "approved")),
        threading.Thread(target=tab, args=("caption", "Edited in the other tab")),
    ]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    assert errors == []
    held = decisions.load(out)
    assert {s: (d.status, d.caption) for s, d in held.items()} == {
        s: ("approved", "Edited in the other tab") for s in hashes
    }


NONSENSE = [
    "{not json",
    "[]",
    '{"cards": []}',
    '{"cards": {"abc": {}}}',
    '{"cards": {"' + "a" * 64 + '": {"status": "maybe"}}}',
    '{"cards": {"' + "a" * 64 + '": {"colour": "red"}}}',
    '{"cards": {"' + "a" * 64 + '": {"caption": 12}}}',
    "\xff\xfe",
]


@pytest.mark.parametrize("text", NONSENSE)
def test_a_hand_edited_review_file_is_a_clear_error_and_is_kept(out: Path, text: str) -> None:
    path = out / "review.json"
    path.write_bytes(text.encode("latin-1") if text == "\xff\xfe" else text.encode())
    before = path.read_bytes()
    with pytest.raises(InputError) as caught:
        decisions.load(out)
    line = caught.value.one_line()
    assert line.startswith(str(path)) and "move it away" in line
    with pytest.raises(InputError):
        decisions.update(out, sha(out, "alpha", "x"), {"status": "approved"}, known=cards_of(out))
    assert path.read_bytes() == before  # nothing lost, nothing overwritten
    code, _, stderr = run_cli(
        "export", "--approved", "--to", "csv", "--from", str(out), "--out", str(out / "x.csv")
    )
    assert code == 2 and stderr.startswith(f"error: {path}") and stderr.count("\n") == 1
    assert not (out / "x.csv").exists()


def test_invalid_json_names_its_line(out: Path) -> None:
    (out / "review.json").write_text('{\n  "cards": {\n    oops\n  }\n}\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        decisions.load(out)
    assert caught.value.one_line().startswith(f"{out / 'review.json'}:3 is not valid JSON")


def test_a_decision_for_a_card_that_is_gone(out: Path) -> None:
    known = cards_of(out)
    card = sha(out, "alpha", "x")
    decisions.update(out, card, {"status": "approved"}, known=known)
    decisions.update(out, sha(out, "beta", "x"), {"status": "approved"}, known=known)
    # alpha/x is re-rendered with other content: its approval does not carry over.
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for record in manifest["cards"]:
        if record["sha256"] == card:
            record["sha256"] = hashlib.sha256(b"changed").hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError) as gone:
        decisions.update(out, card, {"status": "rejected"}, known=cards_of(out))
    assert "re-rendered or removed" in gone.value.one_line()
    code, stdout, stderr = run_cli(
        "export", "--approved", "--to", "csv", "--from", str(out), "--out", str(out / "posts.csv")
    )
    assert code == 0, stderr
    assert stdout.startswith("wrote 1 posts of 1 quotes")
    assert "1 decisions" in stderr and "no longer in the manifest" in stderr
    assert card in decisions.load(out)  # kept in the file: nothing lost


# --- slots ----------------------------------------------------------------------------------


def test_slots_parse_and_spread_over_the_coming_week() -> None:
    slots = parse_slots("Mon 09:00, Wed 12:00, Fri 17:00")
    assert [(s.weekday, s.time.hour) for s in slots] == [(0, 9), (2, 12), (4, 17)]
    assert parse_slots("friday 17:00,monday 9:05") == parse_slots("Mon 09:05, Fri 17:00")
    times = slot_times(slots, 5, NOW)
    assert [t.strftime("%a %d %H:%M") for t in times] == [
        "Wed 02 12:00",
        "Fri 04 17:00",
        "Mon 07 09:00",
        "Wed 09 12:00",
        "Fri 11 17:00",
    ]
    assert all(t.tzinfo is PARIS for t in times)
    # A slot that is exactly now is not "coming".
    assert slot_times(slots, 1, NOW.replace(hour=12, minute=0))[0].day == 4


def test_slots_follow_the_clock_across_a_dst_change() -> None:
    before = dt.datetime(2027, 3, 26, 12, 0, tzinfo=PARIS)  # Friday; DST starts on the 28th
    times = slot_times(parse_slots("Mon 09:00"), 2, before)
    assert [t.strftime("%H:%M") for t in times] == ["09:00", "09:00"]
    assert [t.utcoffset() for t in times] == [dt.timedelta(hours=2)] * 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mon",
        "Mon 9",
        "Mon 25:00",
        "Mon 09:60",
        "Funday 09:00",
        "Mon 09:00,",
        "Mon 09:00, Mon 09:00",
        "09:00 Mon",
        "Mo 09:00",
        "Mon 09:00 Wed 10:00",
    ],
)
def test_unparsable_slots_are_clear_errors(text: str) -> None:
    with pytest.raises(InputError, match="--slots"):
        parse_slots(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_slots_parser_never_fails_otherwise(text: str) -> None:
    try:
        slots = parse_slots(text)
    except InputError:
        return
    assert slots and all(0 <= s.weekday <= 6 for s in slots)


# --- export ---------------------------------------------------------------------------------


def approve_all(out: Path, *, platform: str | None = None) -> None:
    known = cards_of(out)
    for card, record in known.items():
        if platform is None or record["platform"] == platform:
            decisions.update(out, card, {"status": "approved"}, known=known)


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_buffer_export_with_urls_slots_and_edited_captions(out: Path, tmp_path: Path) -> None:
    approve_all(out)
    known = cards_of(out)
    decisions.update(out, sha(out, "gamma", "x"), {"caption": "Edited for X"}, known=known)
    decisions.update(out, sha(out, "beta", "x"), {"status": "rejected"}, known=known)
    dest = tmp_path / "buffer.csv"
    report = export(
        out,
        "buffer",
        dest,
        base_url="https://cdn.example.com/cards/",
        slots="Mon 09:00, Wed 12:00, Fri 17:00",
        zone="Europe/Paris",
        now=NOW,
    )
    square, x = (read_csv(path) for path in report.paths)
    assert square[0] == x[0] == ["Text", "Image URL", "Tags", "Posting Time"]
    # Quotes in the selection's order (gamma, alpha, beta), one slot per quote.
    assert [(r[1].rsplit("/", 2)[1], r[3]) for r in square[1:]] == [
        ("gamma", "2026-12-02 12:00"),
        ("alpha", "2026-12-04 17:00"),
        ("beta", "2026-12-07 09:00"),
    ]
    assert [(r[0], r[3]) for r in x[1:]] == [
        ("Edited for X", "2026-12-02 12:00"),
        ("\u201cQuote alpha.\u201d #x", "2026-12-04 17:00"),
    ]
    assert square[1][1] == "https://cdn.example.com/cards/week/gamma/instagram-square.png"
    assert report.posts == 5 and report.quotes == 3
    assert report.paths[1].read_bytes().endswith(b"\r\n")


def test_buffer_writes_one_file_per_channel(out: Path, tmp_path: Path) -> None:
    approve_all(out)
    dest = tmp_path / "week.csv"
    report = export(out, "buffer", dest, base_url="https://cdn.example.com", now=NOW)
    # Buffer imports into one channel at a time: one file per platform, named after it.
    assert report.paths == [tmp_path / "week-instagram-square.csv", tmp_path / "week-x.csv"]
    assert not dest.exists()
    for path in report.paths:
        rows = read_csv(path)
        assert rows[0] == ["Text", "Image URL", "Tags", "Posting Time"]
        assert len(rows) == 4 and {r[3] for r in rows[1:]} == {""}  # unscheduled: queued


def many_cards(tmp_path: Path, count: int, platform: str) -> Path:
    """OUT with `count` approved quotes on one platform (no selection file: id order)."""
    folder = tmp_path / "many"
    cards = [_card(f"q{n:04d}", platform) for n in range(count)]
    for card in cards:
        (folder / card["path"]).parent.mkdir(parents=True, exist_ok=True)
        (folder / card["path"]).write_bytes(b"\x89PNG fake " + card["sha256"].encode())
    (folder / "manifest.json").write_text(json.dumps({"cards": cards}), encoding="utf-8")
    approve_all(folder)
    return folder


def test_buffer_splits_at_100_posts_per_upload(tmp_path: Path) -> None:
    folder = many_cards(tmp_path, 205, "x")
    dest = tmp_path / "x.csv"
    report = export(folder, "buffer", dest, base_url="https://cdn.example.com", now=NOW)
    assert [p.name for p in report.paths] == ["x-1.csv", "x-2.csv", "x-3.csv"]
    assert [len(read_csv(p)) - 1 for p in report.paths] == [100, 100, 5]
    assert read_csv(report.paths[2])[0] == ["Text", "Image URL", "Tags", "Posting Time"]


def test_hootsuite_format_dates_lead_time_and_link(out: Path, tmp_path: Path) -> None:
    approve_all(out, platform="x")
    hoot = tmp_path / "hootsuite.csv"
    report = export(out, "hootsuite", hoot, slots="Tue 08:15", zone="UTC", now=NOW)
    assert report.paths == [hoot]
    rows = read_csv(hoot)
    assert len(rows) == 3 and all(len(r) == 3 for r in rows)  # no header: date, text, link
    assert rows[0][0] == "12/08/2026 08:15" and rows[1][0] == "12/15/2026 08:15"  # MM/DD
    assert rows[0][1].startswith("\u201cQuote gamma.")
    assert rows[0][2] == ""  # the link column holds the article's URL; these have none
    export(out, "hootsuite", hoot, slots="Tue 08:15", zone="UTC", now=NOW, day_first=True)
    assert read_csv(hoot)[0][0] == "08/12/2026 08:15"
    # Hootsuite refuses posts less than 10 minutes ahead: a slot 5 minutes away is skipped.
    soon = dt.datetime(2026, 12, 8, 8, 10, tzinfo=dt.UTC)
    export(out, "hootsuite", hoot, slots="Tue 08:15, Wed 09:00", zone="UTC", now=soon)
    assert [r[0] for r in read_csv(hoot)] == [
        "12/09/2026 09:00",
        "12/15/2026 08:15",
        "12/16/2026 09:00",
    ]


def test_hootsuite_link_is_the_article_and_350_rows_per_upload(tmp_path: Path) -> None:
    folder = many_cards(tmp_path, 351, "linkedin")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for card in manifest["cards"]:
        card["source"] = {"url": "https://example.com/article"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    dest = tmp_path / "hoot.csv"
    report = export(folder, "hootsuite", dest, slots="Mon 09:00, Thu 14:30", zone="UTC", now=NOW)
    assert [p.name for p in report.paths] == ["hoot-1.csv", "hoot-2.csv"]
    first, second = (read_csv(p) for p in report.paths)
    assert (len(first), len(second)) == (350, 1)
    assert first[0][2] == "https://example.com/article"


def test_later_gets_a_folder_of_images_captions_and_a_checklist(out: Path, tmp_path: Path) -> None:
    approve_all(out, platform="x")
    dest = tmp_path / "later"
    report = export(out, "later", dest, slots="Tue 08:15", zone="America/New_York", now=NOW)
    assert report.paths == [dest]
    names = sorted(p.name for p in dest.iterdir())
    assert names == [
        "001-gamma-x.png",
        "001-gamma-x.txt",
        "002-alpha-x.png",
        "002-alpha-x.txt",
        "003-beta-x.png",
        "003-beta-x.txt",
        "posts.csv",
    ]
    assert (dest / "001-gamma-x.png").read_bytes() == (out / "week/gamma/x.png").read_bytes()
    assert (dest / "002-alpha-x.txt").read_text(encoding="utf-8").startswith("\u201cQuote alpha")
    rows = read_csv(dest / "posts.csv")
    assert rows[0] == [
        "order",
        "file",
        "date",
        "time",
        "platform",
        "caption",
        "alt_text",
        "quote_id",
    ]
    assert rows[1][:5] == ["1", "001-gamma-x.png", "2026-12-08", "08:15", "x"]
    # A second export never writes into a folder that holds files.
    with pytest.raises(InputError, match="already exists"):
        export(out, "later", dest, now=NOW)
    assert len(list(dest.iterdir())) == 7
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".later.")]


def test_cardgen_csv_format(out: Path, tmp_path: Path) -> None:
    approve_all(out, platform="x")
    plain = tmp_path / "plain.csv"
    export(out, "csv", plain, slots="Tue 08:15", zone="Asia/Kolkata", now=NOW)
    rows = read_csv(plain)
    assert rows[0][:4] == ["scheduled_at", "platform", "image", "caption"]
    assert rows[1][0] == "2026-12-08T08:15:00+05:30"
    assert rows[1][2] == "week/gamma/x.png"  # a path relative to OUT without --base-url
    unscheduled = tmp_path / "unscheduled.csv"
    export(out, "csv", unscheduled)
    assert {r[0] for r in read_csv(unscheduled)[1:]} == {""}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "csv"], "no approved cards"),
        (["--to", "csv", "--slots", "Someday 9am"], "--slots"),
        (["--to", "csv", "--timezone", "Mars/Olympus"], "is not a time zone"),
        (["--to", "hootsuite"], "needs --slots"),
        (["--to", "hootsuite", "--slots", "Mon 09:07"], "minutes ending in 0 or 5"),
        (["--to", "myspace"], "is not a format"),
        (["--to", "csv", "--base-url", "ftp://x"], "is not an http(s) URL"),
        (["--to", "buffer"], "needs --base-url"),
        (["--to", "csv", "--day-first"], "--day-first is for --to hootsuite"),
    ],
)
def test_export_refuses_bad_input_and_writes_nothing(
    out: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    if message != "no approved cards":
        approve_all(out)
    dest = tmp_path / "posts.csv"
    dest.write_text("an earlier export\n", encoding="utf-8")
    code, _, stderr = run_cli("export", "--approved", *args, "--from", str(out), "--out", str(dest))
    assert code == 2, stderr
    assert message in stderr and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert dest.read_text(encoding="utf-8") == "an earlier export\n"


def test_export_needs_approved_flag(out: Path, tmp_path: Path) -> None:
    approve_all(out)
    code, _, stderr = run_cli(
        "export", "--to", "csv", "--from", str(out), "--out", str(tmp_path / "p.csv")
    )
    assert code == 2 and "--approved" in stderr
    assert not (tmp_path / "p.csv").exists()


# --- the review API -------------------------------------------------------------------------


@pytest.fixture
def server(out: Path) -> Iterator[GalleryServer]:
    with serving(out) as server:
        yield server


def call(
    server: GalleryServer,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    sent = {"Host": f"127.0.0.1:{port}"}
    if data is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_api_approves_edits_and_counts_the_clis_way(server: GalleryServer, out: Path) -> None:
    card = sha(out, "alpha", "x")
    status, _, body = call(
        server, "POST", "/__cardgen/decision", {"sha256": card, "status": "approved"}
    )
    assert status == 200, body
    answer = json.loads(body)
    assert answer["status"] == "approved" and answer["summary"]["approved"] == 1
    text = "Caf\u00e9 \U0001f469\u200d\U0001f4bb \u65e5\u672c https://example.com/a/very/long/link"
    status, _, body = call(server, "POST", "/__cardgen/count", {"sha256": card, "text": text})
    assert json.loads(body) == {"count": count(text, PLATFORMS["x"]), "limit": 280, "state": "ok"}
    assert json.loads(body)["count"] == 4 + 1 + 2 + 1 + 4 + 1 + 23
    status, _, body = call(
        server, "POST", "/__cardgen/decision", {"sha256": card, "caption": "x" * 300}
    )
    assert json.loads(body)["state"] == "over" and json.loads(body)["edited"] is True
    status, _, body = call(server, "GET", "/__cardgen/decisions")
    listed = json.loads(body)
    assert listed["cards"][card]["caption"] == "x" * 300
    assert listed["cards"][card]["status"] == "approved"
    assert decisions.load(out)[card].caption == "x" * 300


def test_api_refuses_cross_site_and_bad_requests(server: GalleryServer, out: Path) -> None:
    card = sha(out, "alpha", "x")
    body = {"sha256": card, "status": "approved"}
    for headers in (
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "text/plain"},
        {"Host": f"evil.example:{server.server_address[1]}"},
    ):
        assert call(server, "POST", "/__cardgen/decision", body, headers)[0] == 403, headers
    assert not (out / "review.json").exists()
    assert call(server, "POST", "/__cardgen/decision", b"{nope")[0] == 400
    assert call(server, "POST", "/__cardgen/decision", {"status": "approved"})[0] == 400
    status, _, reply = call(
        server, "POST", "/__cardgen/decision", {"sha256": "f" * 64, "status": "approved"}
    )
    assert status == 422 and "re-rendered or removed" in json.loads(reply)["error"]
    status, _, reply = call(
        server, "POST", "/__cardgen/decision", {"sha256": card, "status": "maybe"}
    )
    assert status == 422
    assert call(server, "POST", "/__cardgen/nothing", body)[0] == 404
    assert not (out / "review.json").exists()


def test_api_reports_a_nonsense_review_file_without_touching_it(
    server: GalleryServer, out: Path
) -> None:
    (out / "review.json").write_text("{oops", encoding="utf-8")
    status, _, reply = call(server, "GET", "/__cardgen/decisions")
    assert status == 422 and "review.json:1 is not valid JSON" in json.loads(reply)["error"]
    card = sha(out, "alpha", "x")
    status, _, _ = call(
        server, "POST", "/__cardgen/decision", {"sha256": card, "status": "approved"}
    )
    assert status == 422
    assert (out / "review.json").read_text(encoding="utf-8") == "{oops"


def test_two_tabs_posting_at_once_keep_every_decision(server: GalleryServer, out: Path) -> None:
    hashes = sorted(cards_of(out))

    def tab(changes: dict[str, str]) -> None:
        for card in hashes:
            assert (
                call(server, "POST", "/__cardgen/decision", {"sha256": card, **changes})[0] == 200
            )

    tabs = [
        threading.Thread(target=tab, args=({"status": "rejected"},)),
        threading.Thread(target=tab, args=({"caption": "From tab two"},)),
    ]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    held = decisions.load(out)
    assert {(d.status, d.caption) for d in held.values()} == {("rejected", "From tab two")}
    assert set(held) == set(hashes)


def test_zips_per_platform_and_per_quote(server: GalleryServer, out: Path) -> None:
    known = cards_of(out)
    edited = sha(out, "beta", "x")
    decisions.update(out, edited, {"caption": "Edited caption"}, known=known)
    status, headers, body = call(server, "GET", "/__cardgen/zip?platform=x")
    assert status == 200 and headers["content-type"] == "application/zip"
    assert headers["content-disposition"] == 'attachment; filename="cards-x.zip"'
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(
            [f"week/{q}/x.png" for q in ("alpha", "beta", "gamma")]
            + [f"week/{q}/x.txt" for q in ("alpha", "beta", "gamma")]
        )
        assert archive.read("week/beta/x.txt").decode().startswith("Edited caption\n\nAlt text: ")
        assert archive.read("week/alpha/x.png") == (out / "week/alpha/x.png").read_bytes()
    status, _, body = call(server, "GET", f"/__cardgen/zip?quote={edited}")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(n for n in archive.namelist() if n.endswith(".png")) == [
            "week/beta/instagram-square.png",
            "week/beta/x.png",
        ]
    assert call(server, "GET", "/__cardgen/zip?platform=nope")[0] == 404
    assert call(server, "GET", "/__cardgen/zip")[0] == 400
    assert call(server, "GET", "/__cardgen/zip?quote=" + "0" * 64)[0] == 404


def test_a_review_file_that_is_a_pipe_or_device_is_refused_not_read(out: Path) -> None:
    os.mkfifo(out / "review.json")
    with pytest.raises(InputError, match="named pipe"):
        decisions.load(out)
    (out / "review.json").unlink()
    (out / "review.json").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="device"):
        decisions.load(out)


def test_thumbnails_never_read_outside_the_output_folder(out: Path, tmp_path: Path) -> None:
    from PIL import Image

    from cardgen.review.thumbs import ensure_thumbnails

    Image.new("RGB", (40, 40), "red").save(tmp_path / "secret.png")
    inside = out / "inside.png"
    Image.new("RGB", (40, 40), "blue").save(inside)
    records = [
        {"sha256": "a" * 64, "path": "../secret.png"},
        {"sha256": "b" * 64, "path": "inside.png"},
    ]
    (out / "link.png").symlink_to(tmp_path / "secret.png")
    records.append({"sha256": "c" * 64, "path": "link.png"})
    made = ensure_thumbnails(out, records)
    assert made == {"b" * 64: f".cardgen/thumbs/{'b' * 64}.webp"}
