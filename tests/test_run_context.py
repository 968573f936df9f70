"""Two projects in one process share nothing: each card comes from its own project's
layout, and an error in a layout points at that project's file, even when both
projects name their layouts alike and one was used before the other."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

import cardgen
from cardgen.batch.plan import Project

ARTICLE = "Small steps every day add up to a life.\n\nThe rest is noise.\n"
SELECTION = """\
article:
  source: articles/steps.txt
  title: Steps
defaults:
  layout: card
  platforms: [instagram-square]
quotes:
  - id: steps
    text: "Small steps every day add up to a life."
"""
# The same layout name in both projects; the files differ in colours and in the line
# that names the text colour (`padding` moves it down).
LAYOUT = """\
name: card
{padding}background: {{color: "{background}"}}
elements:
  - type: text
    id: quote
    role: quote
    text: "{{quote}}"
    box: {{x: 10%, y: 10%, w: 80%, h: 60%}}
    color: "{text}"
"""


def make_project(root: Path, background: str, text: str, padding_lines: int) -> Project:
    (root / "quotes" / "articles").mkdir(parents=True)
    (root / "quotes" / "articles" / "steps.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "quotes" / "steps.yaml").write_text(SELECTION, encoding="utf-8")
    (root / "layouts").mkdir()
    padding = "".join(f"# note {i}\n" for i in range(padding_lines))
    layout = LAYOUT.format(padding=padding, background=background, text=text)
    (root / "layouts" / "card.yaml").write_text(layout, encoding="utf-8")
    return Project.open(root)


def render(project: Project) -> Image.Image:
    out = project.root / "out"
    report = cardgen.render(
        [project.root / "quotes" / "steps.yaml"], out=out, project=project, fmt="png"
    )
    (card,) = report.cards
    with Image.open(out / card["path"]) as image:
        return image.convert("RGB")


def test_two_projects_render_their_own_same_named_layouts(tmp_path: Path) -> None:
    red = make_project(tmp_path / "red", "#c02020", "#ffffff", 0)
    blue = make_project(tmp_path / "blue", "#2030c0", "#ffffff", 3)
    assert render(red).getpixel((5, 5)) == (0xC0, 0x20, 0x20)
    assert render(blue).getpixel((5, 5)) == (0x20, 0x30, 0xC0)
    # And back: nothing the second project built is taken for the first.
    assert render(red).getpixel((5, 5)) == (0xC0, 0x20, 0x20)
    assert red.font_registry() is not blue.font_registry()
    assert red.scene_memo() is not blue.scene_memo()


def test_a_layout_error_points_at_its_own_projects_file(tmp_path: Path) -> None:
    first = make_project(tmp_path / "first", "#ffffff", "brand.nope", 0)
    second = make_project(tmp_path / "second", "#ffffff", "brand.nope", 4)
    seen = []
    for project in (first, second, first):
        (problem,) = [p for p in cardgen.check(project=project).problems if p.exit_code]
        seen.append((problem.file, problem.line))
        assert problem.file is not None and problem.line is not None
        assert Path(problem.file).resolve() == (project.root / "layouts" / "card.yaml").resolve()
        text = (project.root / "layouts" / "card.yaml").read_text().splitlines()
        assert "brand.nope" in text[problem.line - 1]
    assert seen[0] == seen[2] and seen[0][1] != seen[1][1]
