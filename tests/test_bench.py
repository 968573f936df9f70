"""The benchmark harness runs end to end in quick mode, so `make bench` cannot rot.

No timing is asserted here: speed is judged by `make bench` (benchmarks/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import run


@pytest.mark.slow
def test_quick_benchmarks_run_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run.main(["--quick", "--out", str(tmp_path), "--no-readme"]) == 0
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["quick"] is True
    assert set(results) >= {"machine", "render", "encode", "fit", "cold", "scaling"}
    # The floor draws the very same card as cardgen, or its ratio would mean nothing.
    assert results["render"]["rows"] and all(r["same_pixels"] for r in results["render"]["rows"])
    assert all(r["ratio"] > 0 for r in results["render"]["rows"])
    encoders = {r["encoder"] for r in results["encode"]["cards"]["classic (flat)"]}
    assert {"png level 6", "cardgen default"} <= encoders
    assert [r["cards"] for r in results["scaling"]["scaling"]["rows"]] == [2, 3]
    for optional in ("parallel", "incremental"):
        status = results["scaling"][optional]["status"]
        assert status in ("measured", "not available in this build")
    table = capsys.readouterr().out
    assert "| target | measured | verdict |" in table
    assert "quick mode: not representative" in table
    assert "`cardgen --help` under 0.3 s" in table


def test_report_says_when_a_feature_is_missing() -> None:
    missing = {"status": "not available in this build", "why": "no --jobs option"}
    results = {
        "machine": {k: "x" for k in ("date", "cpu", "cores", "system", "python", "pillow", "load")},
        "scaling": {
            "scaling": {
                "rows": [
                    {
                        "cards": 10,
                        "runs": 1,
                        "wall_s": 1.0,
                        "wall_per_card_ms": 100.0,
                        "per_card_ms": 50.0,
                        "peak_rss_mb": 60.0,
                    }
                ],
                "per_card_spread": 0.0,
                "flat_within_10pct": True,
                "max_rss_mb": 60.0,
            },
            "parallel": missing,
            "incremental": missing,
        },
    }
    table = run.report(results)
    assert table.count("not available in this build: no --jobs option") == 2


def test_linebreak_counts_breaks_inside_phrases_not_at_spaces() -> None:
    from benchmarks.bench_linebreak import breaks_inside_phrases

    # A break between two Latin words stood for a space: not inside a phrase.
    assert breaks_inside_phrases(("それを「(early", "bird)」と呼ぶ。"), "ja") == (0, 0)
    assert breaks_inside_phrases(("彼女は", "ソフトウェア"), "ja") == (0, 0)
    # Inside `ソフトウェアアーキテクチャ設計レビューを`, longer than either line: forced.
    inside = breaks_inside_phrases(("彼女はソフトウェアアー", "キテクチャ設計レビューを担当"), "ja")
    assert inside == (1, 1)
    assert breaks_inside_phrases(("子どもが寝たあ", "との静かな時間に、本を読む。"), "ja") == (1, 0)


def test_legibility_judges_each_card_against_the_floor() -> None:
    from types import SimpleNamespace

    from benchmarks.bench_legibility import Cell, _judge

    def text(role: str, size: int) -> SimpleNamespace:
        return SimpleNamespace(role=role, size=size)

    cell = Cell("classic", "linkedin")
    _judge(cell, [text("quote", 44), text("attribution", 31)], 1200)  # 14.3 and 10.1 px
    assert (cell.made, cell.under_floor, cell.small_over_quote) == (1, 0, 0)
    _judge(cell, [text("quote", 40), text("attribution", 31)], 1200)  # a 13 px quote
    _judge(cell, [text("quote", 44), text("source", 29)], 1200)  # 9.4 px small print
    _judge(cell, [text("quote", 44), text("attribution", 48)], 1200)
    assert (cell.made, cell.under_floor, cell.small_over_quote) == (4, 2, 1)
    assert round(cell.quote_min, 1) == 13.0 and round(cell.small_min, 1) == 9.4
    assert cell.faults == 3


def test_linebreak_counts_short_lines_but_not_the_last() -> None:
    from benchmarks.bench_linebreak import short_lines

    block = ("Nobody builds", "a life alone. We", "from the people beside", "us, and we", "end")
    assert short_lines(block) == 2  # 13 and 10 characters beside 22; the last is free
    assert short_lines(("one line",)) == 0


def test_linebreak_counts_light_first_lines_one_word_lines_and_clause_ends() -> None:
    from benchmarks.bench_linebreak import ends_clause, light_first_line, one_word_lines

    assert light_first_line((70, 100, 90))  # 70% of the longest
    assert not light_first_line((80, 100, 90))
    assert not light_first_line((10, 100))  # two lines: not counted
    assert one_word_lines(("Small steps,", "taken daily,", "become", "a whole", "new"), "en") == 1
    assert one_word_lines(("Ambition", "doesn’t mean", "we are"), "en") == 1  # the first too
    assert one_word_lines(("日本語の", "文章"), "ja") == 0
    clauses = ("Small steps,", "she said, \u201cgo.\u201d", "waiting \u2014", "仕事は、", "أنانية،")
    for line in clauses:
        assert ends_clause(line), line
    for line in ("Dr.", "as e.g.", "plain words", "well-"):
        assert not ends_clause(line), line


def test_linebreak_recounts_a_lines_file_by_this_codes_rules() -> None:
    # Written by any version of the code: counted with today's short words (`we`).
    from benchmarks.bench_linebreak import recount

    cards = [
        {"language": "en", "lines": ["Ambition doesn\u2019t mean we", "are selfish."],
         "widths": [300.0, 200.0]},
        {"language": "en", "lines": ["Small", "steps, taken", "daily, become", "new life."],
         "widths": [100.0, 220.0, 240.0, 180.0]},
    ]
    row = recount(cards)["en"]
    assert (row["cards"], row["line_ends"], row["short_ends"]) == (2, 4, 1)
    assert (row["one_word_lines"], row["light_first"], row["light_first_at_clause"]) == (1, 1, 0)
