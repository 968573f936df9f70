"""`cardgen check`: every problem of every selection in one run, as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardgen.source.quotes import word_diff
from tests.helpers import run_cli

ARTICLE = """Bakers of Lyon

Maria Lopez runs a bakery near the river.

\u201cBread teaches patience to everyone who bakes it,\u201d she says.

Ambition doesn\u2019t mean we are selfish. It just means that we strive for excellence.

Maria describes her mornings as a race against the oven.
"""

GOOD = """\
article:
  source: articles/bakery.txt
  author: Jo Writer
  publisher: City Paper
defaults:
  platforms: [x]
quotes:
  - id: bread
    find: teaches patience
  - id: ambition
    text: "Ambition doesn't mean we are selfish."
"""

BAD = """\
article:
  source: articles/bakery.txt
  author: Jo Writer
quotes:
  - id: misquote
    text: "Ambition doesn't mean we were selfish."
  - id: race
    find: race against the oven
    attribution: Maria Lopez
  - id: wrong-platform
    text: "It just means that we strive for excellence."
    platforms: [twitter]
  - id: fine
    text: "Ambition doesn't mean we are selfish."
    platforms: [x]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "quotes" / "articles").mkdir(parents=True)
    (tmp_path / "quotes" / "articles" / "bakery.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "quotes" / "good.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_clean_project_checks_ok_and_credits_the_quoted_speaker(project: Path) -> None:
    code, stdout, stderr = run_cli("check")
    assert (code, stderr) == (0, "")
    assert stdout == (
        "ok: 2 quotes verified, 2 cards fit\n"
        "credited: 1 quote to Maria Lopez (quoted speech), 1 to Jo Writer (narration)\n"
    )
    code, stdout, _ = run_cli("check", "--json")
    document = json.loads(stdout)
    assert code == 0 and document["ok"] and document["problems"] == []
    assert document["credits"] == [
        {
            "selection": "quotes/good.yaml",
            "quote_id": "bread",
            "attribution": "Maria Lopez",
            "speaker": "quoted",
        },
        {
            "selection": "quotes/good.yaml",
            "quote_id": "ambition",
            "attribution": "Jo Writer",
            "speaker": "narration",
        },
    ]
    from cardgen.source.quotes import load_selection

    quotes = {q.id: q for q in load_selection(project / "quotes" / "good.yaml").quotes}
    assert quotes["bread"].attribution == "Maria Lopez"  # her words, not the author's
    assert quotes["ambition"].attribution == "Jo Writer"


def test_check_lists_every_problem_of_every_selection(project: Path) -> None:
    (project / "quotes" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (project / "quotes" / "broken.yaml").write_text("article: [\n", encoding="utf-8")
    code, stdout, stderr = run_cli("check")
    lines = stderr.splitlines()
    assert code == 2, stderr  # the broken YAML is unusable input: the worst code wins
    assert any(
        line.startswith("error: quotes/bad.yaml:6 quote 'misquote' not found")
        and "differs: \u2026 mean we [-are-] {+were+} selfish." in line
        for line in lines
    ), stderr
    assert any(
        line.startswith("warning: quotes/bad.yaml:9 quote 'race' credits 'Maria Lopez'")
        and "speaks about Maria Lopez" in line
        for line in lines
    ), stderr
    assert any(
        line.startswith("error: quotes/bad.yaml:12 quote 'wrong-platform': unknown platform")
        and "did you mean 'x'?" in line
        for line in lines
    ), stderr
    assert any(line.startswith("error: quotes/broken.yaml") for line in lines), stderr
    assert len(lines) == 4, stderr
    assert "3 errors, 1 warning in 2 selections" in stdout


def test_check_json_shape(project: Path) -> None:
    (project / "quotes" / "bad.yaml").write_text(BAD, encoding="utf-8")
    code, stdout, stderr = run_cli("check", "--json")
    assert code == 2 and stderr == ""  # an unknown platform is unusable input
    document = json.loads(stdout)
    assert set(document) == {
        "ok",
        "exit_code",
        "selections",
        "quotes",
        "cards",
        "errors",
        "warnings",
        "problems",
        "credits",
    }
    assert (document["ok"], document["exit_code"], document["selections"]) == (False, 2, 2)
    assert (document["errors"], document["warnings"]) == (2, 1)
    by_quote = {p["quote_id"]: p for p in document["problems"]}
    assert by_quote["misquote"] == {
        "severity": "error",
        "kind": "quote-not-found",
        "message": by_quote["misquote"]["message"],
        "file": "quotes/bad.yaml",
        "line": 6,
        "quote_id": "misquote",
        "platform": None,
        "exit_code": 1,
    }
    assert by_quote["race"]["severity"] == "warning" and by_quote["race"]["exit_code"] == 0
    assert by_quote["race"]["kind"] == "attribution"
    assert by_quote["wrong-platform"]["platform"] == "twitter"
    assert by_quote["wrong-platform"]["kind"] == "input"
    for problem in document["problems"]:  # every problem says where, when it has a place
        if problem["quote_id"] is not None:
            assert problem["file"] == "quotes/bad.yaml" and problem["line"], problem


def test_strict_makes_attribution_warnings_errors(project: Path) -> None:
    (project / "quotes" / "good.yaml").write_text(
        GOOD.replace(
            "    find: teaches patience\n",
            "    find: teaches patience\n    attribution: Jo Writer\n",
        ),
        encoding="utf-8",
    )
    code, _, stderr = run_cli("check")
    assert code == 0 and "warning: quotes/good.yaml:10 quote 'bread' credits 'Jo Writer'" in stderr
    assert "Maria Lopez's words" in stderr
    code, stdout, stderr = run_cli("check", "--strict")
    assert code == 1 and stderr.startswith("error: quotes/good.yaml:10 quote 'bread'")
    assert "1 error in 1 selection" in stdout


def test_no_author_anywhere_is_a_warning_naming_the_quote(project: Path) -> None:
    (project / "quotes" / "good.yaml").write_text(
        GOOD.replace("  author: Jo Writer\n  publisher: City Paper\n", ""), encoding="utf-8"
    )
    code, _, stderr = run_cli("check")
    assert code == 0
    assert stderr == (
        "warning: quotes/good.yaml:9 quote 'ambition' has no attribution: the article and "
        "selection name no author or publisher\n"
    )


@pytest.mark.parametrize(
    ("wrong", "meant"),
    [
        ("twitter", "x"),
        ("Twitter", "x"),
        ("insta", "instagram-square"),
        ("fb", "facebook"),
        ("linked-in", "linkedin"),
        ("bsky", "bluesky"),
        ("instagram-sqare", "instagram-square"),
    ],
)
def test_unknown_platform_ids_get_a_did_you_mean_and_the_line(
    project: Path, wrong: str, meant: str
) -> None:
    (project / "quotes" / "good.yaml").write_text(
        GOOD.replace("platforms: [x]", f"platforms: [linkedin, {wrong}]"), encoding="utf-8"
    )
    code, _, stderr = run_cli("check")
    assert code == 2
    assert f"error: quotes/good.yaml:6 quote 'bread': unknown platform '{wrong}'" in stderr
    assert f"did you mean '{meant}'?" in stderr
    code, _, stderr = run_cli("render")
    assert code == 2 and stderr.startswith("error: quotes/good.yaml:6 ")
    assert f"did you mean '{meant}'?" in stderr


@pytest.mark.parametrize(
    ("quote", "passage", "diff"),
    [
        (
            "Ambition doesn't mean we were selfish.",
            "So: Ambition doesn\u2019t mean we are selfish.",
            "\u2026 mean we [-are-] {+were+} selfish.",
        ),
        (
            "we were selfish",
            "Ambition doesn\u2019t mean we are selfish.",
            "we [-are-] {+were+} selfish",
        ),
        (
            "It does not mean that",
            "It doesn\u2019t mean that we\u2019re full.",
            "It [-doesn\u2019t-] {+does not+} mean that",
        ),
        (
            "Quality, not quantity.",
            "Quality\u2014not quantity.",
            "Quality [-\u2014-] {+,+} not quantity.",
        ),
        (
            "one two three four five six seven",
            "one two three four FIVE six seven",
            "\u2026 three four [-FIVE-] {+five+} six seven",
        ),
        ("same words here", "same words here", ""),
        ("Il faut oser", "Il faut oser échouer.", ""),
    ],
)
def test_word_diff(quote: str, passage: str, diff: str) -> None:
    assert word_diff(quote, passage) == diff


def test_render_warns_about_attribution_and_records_it(project: Path) -> None:
    (project / "quotes" / "bad.yaml").write_text(
        BAD.replace("platforms: [twitter]", "platforms: [x]").replace(
            '  - id: misquote\n    text: "Ambition doesn\'t mean we were selfish."\n', ""
        ),
        encoding="utf-8",
    )
    code, _, stderr = run_cli("render", "-j", "1", "--platform", "x")
    assert code == 0, stderr
    assert "warning: quotes/bad.yaml:7 quote 'race' credits 'Maria Lopez'" in stderr
    records = json.loads((project / "output" / "manifest.json").read_text())["cards"]
    race = next(r for r in records if r["quote_id"] == "race")
    assert any("speaks about Maria Lopez" in w for w in race["warnings"])
    bread = next(r for r in records if r["quote_id"] == "bread")
    assert bread["attribution"] == "Maria Lopez" and bread["warnings"] == []
