"""Captions and alt text per platform: counted the platform's way, shortened gracefully."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.batch.captions import (
    DEFAULT_TEMPLATE,
    CaptionParts,
    alt_text,
    as_on_card,
    caption,
    count,
    fill_template,
    fitted_caption,
    graphemes,
    typeset_parts,
    x_weighted,
)
from cardgen.design.platforms import BUILTIN
from cardgen.errors import ContentError

P = {p.id: p for p in BUILTIN}
URL = "https://example.com/articles/overcoming-working-mom-guilt-why-moms-should-never-be-ashamed"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one grapheme, 7 code points


def parts(quote: str, **kw: object) -> CaptionParts:
    base = CaptionParts(
        quote=quote,
        attribution="Lara Bazelon",
        title="Overcoming Working Mom Guilt",
        url=URL,
        hashtags=("workingmoms", "ambition"),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("Hello", 5),
        ("caf\u00e9", 4),
        ("cafe\u0301", 4),  # NFC first: e + combining acute is one character
        ("\u3053\u3093\u306b\u3061\u306f", 10),  # CJK: 2 each
        ("\u4e2d\u6587 ok", 7),
        ("\U0001f600", 2),
        (FAMILY, 2),  # an emoji sequence counts once
        ("\U0001f1eb\U0001f1f7", 2),  # a flag
        ("\u201cquoted\u201d \u2014 A", 12),  # curly quotes and dashes are light
        ("\u2026", 2),  # the ellipsis is outside the light ranges
        (URL, 23),
        (f"see {URL} now", 4 + 23 + 4),
        ("www.example.com/x", 23),
    ],
)
def test_x_weighted_count(text: str, weight: int) -> None:
    assert x_weighted(text) == weight


@pytest.mark.parametrize(
    ("text", "clusters"),
    [("abc", 3), (FAMILY, 1), ("cafe\u0301", 4), ("\U0001f1eb\U0001f1f7!", 2), ("\u4e2d\u6587", 2)],
)
def test_graphemes(text: str, clusters: int) -> None:
    assert graphemes(text) == clusters


def test_count_follows_the_platform() -> None:
    text = f"{FAMILY} \u4e2d {URL}"
    assert count(text, P["x"]) == 2 + 1 + 2 + 1 + 23
    assert count(text, P["bluesky"]) == 1 + 1 + 1 + 1 + len(URL)
    assert count(text, P["linkedin"]) == len(text)


def test_full_caption_when_it_fits() -> None:
    text = caption(parts("Ambition doesn\u2019t mean we are selfish."), P["linkedin"])
    assert text == (
        "\u201cAmbition doesn\u2019t mean we are selfish.\u201d \u2014 Lara Bazelon\n\n"
        f"Overcoming Working Mom Guilt {URL}\n\n#workingmoms #ambition"
    )


def test_instagram_keeps_at_most_30_hashtags() -> None:
    tags = tuple(f"tag{i}" for i in range(45))
    text = caption(parts("Short.", hashtags=tags), P["instagram-square"])
    assert text.count("#") == 30
    assert "#tag29" in text and "#tag30" not in text


def test_duplicate_and_hash_prefixed_hashtags_are_cleaned() -> None:
    text = caption(parts("Short.", hashtags=("#a", "a", "b")), P["linkedin"])
    assert text.endswith("#a #b")


def test_x_over_the_limit_leaves_out_the_quote_text_first_with_a_warning() -> None:
    tags = ("workingmoms", "ambition", "parenting", "careers", "balance")
    quote = "Q " * 90 + "end."  # 184 characters: whole, the caption is over X's 280
    full = fill_template(DEFAULT_TEMPLATE, typeset_parts(parts(quote, hashtags=tags)), tags)
    assert count(full, P["x"]) > 280
    text, note = fitted_caption(parts(quote, hashtags=tags), P["x"])
    # Step 1 is enough: the quote text goes, every hashtag, the title and the link stay.
    assert quote not in text and count(text, P["x"]) <= 280
    assert text == (
        f"\u2014 Lara Bazelon\n\nOvercoming Working Mom Guilt {URL}\n\n"
        "#workingmoms #ambition #parenting #careers #balance"
    )
    assert note is not None and "leaving out the quote text (" in note
    assert "hashtags" not in note and "title" not in note


def test_then_hashtags_last_first_then_the_title_then_the_link() -> None:
    tags = tuple(f"tag{number:02d}" for number in range(40))  # 40 x 6 characters
    text, note = fitted_caption(parts("Short.", hashtags=tags), P["x"])
    kept = tuple(word[1:] for word in text.split() if word.startswith("#"))
    assert "Short." not in text and count(text, P["x"]) <= 280
    assert 0 < len(kept) < len(tags) and kept == tags[: len(kept)]  # the last ones went
    assert count(text + f" #{tags[len(kept)]}", P["x"]) > 280  # one more would not fit
    assert "Overcoming" in text and URL in text
    assert note is not None and f"{len(tags) - len(kept)} of 40 hashtags" in note
    # A title too long for the post goes after every hashtag; the link stays.
    title = "Title " * 50
    text, note = fitted_caption(parts("Short.", hashtags=tags, title=title), P["x"])
    assert "#" not in text and "Title" not in text and URL in text
    assert note is not None and "40 of 40 hashtags" in note and "the title" in note
    assert "the link" not in note
    # An attribution too long for the post: the link goes as well.
    text, note = fitted_caption(parts("Short.", attribution="Name " * 55), P["x"])
    assert URL not in text and note is not None and "the link" in note


def test_x_counts_cjk_double_so_a_cjk_quote_is_over_sooner() -> None:
    quote = "\u7d20\u6674\u3089\u3057\u3044" * 22  # 110 CJK characters: 220 weighted
    text, note = fitted_caption(parts(quote), P["x"])
    assert quote not in text and note is not None and "weighted characters" in note
    assert count(text, P["x"]) <= 280 and "Overcoming" in text and "#ambition" in text
    roomy, note = fitted_caption(parts(quote), P["linkedin"])  # plain characters, 3,000
    assert note is None and quote in roomy and "#ambition" in roomy


def test_emoji_weigh_two_on_x_and_one_on_bluesky() -> None:
    quote = ("Joy " + FAMILY + " ") * 27 + "end."  # 27 family emoji
    x_text = caption(parts(quote, hashtags=()), P["x"])
    assert quote in x_text and count(x_text, P["x"]) <= 280
    bluesky = caption(parts(quote, hashtags=(), url=None), P["bluesky"])
    assert quote in bluesky
    assert graphemes(bluesky) <= 300 < len(bluesky)  # code points would be far over


def test_a_quote_too_long_for_the_post_leaves_the_quote_text_out_with_a_warning() -> None:
    quote = "word " * 70  # 350 characters: over X's 280 on its own
    text, note = fitted_caption(parts(quote.strip()), P["x"])
    assert "word word" not in text and count(text, P["x"]) <= 280
    # The attribution, title, link and hashtags come back once the quote is out.
    assert text == (
        f"\u2014 Lara Bazelon\n\nOvercoming Working Mom Guilt {URL}\n\n#workingmoms #ambition"
    )
    assert note is not None and "over its 280" in note and "the quote text" in note
    assert "x" in note and "weighted characters" in note
    cjk = "\u6587" * 160  # 320 weighted on X, 160 graphemes on Bluesky
    text, note = fitted_caption(parts(cjk, hashtags=()), P["x"])
    assert cjk not in text and note is not None
    assert cjk in caption(parts(cjk, hashtags=()), P["bluesky"])


def test_a_caption_within_the_limit_is_whole_and_has_no_warning() -> None:
    quote = "Q " * 90 + "end."
    text, note = fitted_caption(parts(quote, hashtags=("a", "b")), P["x"])
    assert note is None and quote in text and "#a #b" in text and URL in text


def test_then_hashtags_go_when_even_without_the_quote_it_is_too_long() -> None:
    platform = replace(P["threads"], caption_limit=80)
    tags = ("workingmoms", "ambition", "parenting", "careers", "balance")
    text, note = fitted_caption(parts("word " * 40, hashtags=tags, url=None), platform)
    assert "word" not in text and count(text, platform) <= 80
    kept = [w for w in text.split() if w.startswith("#")]
    assert 0 < len(kept) < len(tags) and note is not None and "hashtags" in note


def test_a_custom_limit_too_small_for_anything_is_cut_at_a_word() -> None:
    platform = replace(P["threads"], caption_limit=10)
    text, note = fitted_caption(
        parts("A quote.", attribution="Somebody With A Long Name"), platform
    )
    assert len(text) <= 10 and text.endswith("\u2026") and note is not None


@pytest.mark.parametrize(
    ("quote", "attribution", "shown", "by"),
    [
        (
            "Ambition doesn't mean we're \"selfish\" -- ever.",
            "Lara",
            "Ambition doesn\u2019t mean we\u2019re \u201cselfish\u201d \u2014 ever.",
            "Lara",
        ),
        ("It's *never* too late.", "O'Neil", "It\u2019s never too late.", "O\u2019Neil"),
        (
            "L'art est long, la vie est courte.",
            None,
            "L\u2019art est long, la vie est courte.",
            None,
        ),
    ],
)
def test_captions_and_alt_text_show_the_card_typography(
    quote: str, attribution: str | None, shown: str, by: str | None
) -> None:
    card = parts(quote, attribution=attribution)
    text = caption(card, P["linkedin"])
    assert text.startswith(f"\u201c{shown}\u201d")
    alt = alt_text(card, "A card", P["linkedin"])
    assert alt.startswith(f"\u201c{shown}\u201d" + (f" \u2014 {by}" if by else ""))
    assert "'" not in text.split("\n")[0] and "*" not in alt


# Cases from twitter-text's conformance suite (conformance/validate.yml, WeightedTweetsCounter
# and extract.yml's URL cases), checked against the twitter-text-parser package itself.
@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("example.co.uk", 23),
        ("see example.co.uk now", 31),
        ("http://example.com", 23),
        ("https://www.example.com/path?q=1&r=2#frag", 23),
        ("www.example.com", 23),
        ("twitter.com/jack", 23),
        ("happyasamother.com", 23),
        ("foo.bar", 23),  # .bar is a generic top-level domain
        ("t.co/abc", 23),
        ("a.b", 3),  # not a top-level domain
        ("version 1.2.3", 13),
        ("e-mail me at someone@example.com", 24 + 8),
        ("\u4e2d\u6587 example.jp", 4 + 1 + 23),
        ("caf\u00e9.fr", 23),  # a domain with a non-ASCII letter: twitter-text's rule
        ("two links: a.co and https://b.co/x", 11 + 23 + 5 + 23),
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467 family", 2 + 7),
    ],
)
def test_x_counts_urls_as_twitter_text_does(text: str, weight: int) -> None:
    from twitter_text import parse_tweet

    assert x_weighted(text) == parse_tweet(text).weightedLength == weight


def test_mastodon_counts_every_link_as_23_characters() -> None:
    link = "https://example.com/" + "a" * 200
    assert count(f"Read {link} now", P["mastodon"]) == 5 + 23 + 4
    assert count("example.co.uk", P["mastodon"]) == 13  # no scheme: not a link on Mastodon
    assert count(f"{link} {link}", P["mastodon"]) == 47


def test_platform_template() -> None:
    platform = replace(P["threads"], caption_template="{quote}\n\n{handle} {hashtags}")
    text = caption(parts("Hi.", handle="@happy"), platform)
    assert text == "Hi.\n\n@happy #workingmoms #ambition"
    bad = replace(P["threads"], caption_template="{quote} {tags}")
    with pytest.raises(ContentError, match=r"unknown field '\{tags\}'"):
        caption(parts("Hi."), bad)


def test_empty_fields_leave_no_gaps() -> None:
    text = fill_template(
        "\u201c{quote}\u201d{by}\n\n{title} {url}\n\n{hashtags}",
        CaptionParts("Hi.", None, None, None, ()),
        (),
    )
    assert text == "\u201cHi.\u201d"


def test_alt_text_has_quote_attribution_and_description() -> None:
    text = alt_text(parts("Hi there."), "Quote card, dark text on cream.", P["x"])
    assert text == "\u201cHi there.\u201d \u2014 Lara Bazelon. Quote card, dark text on cream."


def test_alt_text_within_the_limit_drops_description_then_shortens_at_a_word() -> None:
    quote = " ".join(f"word{i}" for i in range(300))  # about 2,400 characters
    text = alt_text(parts(quote), "A card.", P["x"])
    assert len(text) <= 1000 and text.endswith("\u2026")
    assert quote.startswith(text[1:-2].rstrip())  # whole words only
    mastodon = alt_text(parts(quote), "A card.", P["mastodon"])
    assert 1000 < len(mastodon) <= 1500
    cjk = "\u6587" * 2500
    short = alt_text(parts(cjk), "A card.", P["bluesky"])
    assert graphemes(short) <= 2000 and short.endswith("\u2026")


def test_alt_limits_are_set_where_platforms_document_them() -> None:
    assert P["x"].alt_limit == 1000
    assert P["mastodon"].alt_limit == 1500
    assert P["bluesky"].alt_limit == 2000


words = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "So", "Nd"]), min_size=1)


@settings(max_examples=150, deadline=None)
@given(
    quote=st.lists(words, min_size=1, max_size=80).map(" ".join),
    tags=st.lists(st.from_regex(r"[a-z]{1,12}", fullmatch=True), max_size=40),
    platform=st.sampled_from(["x", "bluesky", "instagram-square", "threads", "mastodon"]),
)
def test_caption_fits_and_keeps_the_quote_whole_or_leaves_it_out(
    quote: str, tags: list[str], platform: str
) -> None:
    preset = P[platform]
    text, note = fitted_caption(parts(quote, hashtags=tuple(tags)), preset)
    assert count(text, preset) <= (preset.caption_limit or 10**9)
    shown = as_on_card(quote)
    assert shown is not None
    if note is None:
        assert shown in text
    else:
        # Only when the whole caption is over the limit; the quote is left out, never cut.
        kept = tuple(dict.fromkeys(tags))[: preset.max_hashtags or None]
        whole = fill_template(DEFAULT_TEMPLATE, typeset_parts(parts(quote)), kept)
        assert count(whole, preset) > (preset.caption_limit or 0)
        assert f"\u201c{shown}\u201d" not in text and "\u2014 Lara Bazelon" in text
    if preset.max_hashtags is not None:
        assert text.count("#") <= preset.max_hashtags
    alt = alt_text(parts(quote, hashtags=tuple(tags)), "A card.", preset)
    assert preset.alt_limit is None or len(alt) <= preset.alt_limit


plain = st.text(
    alphabet=st.sampled_from([*"abcXYZ019,.!é'", "\u4e2d", "\u3042", "\U0001f600", "\u2014"]),
    max_size=40,
)
urls = st.from_regex(r"https://[a-z]{1,12}\.(com|org)(/[a-z0-9-]{1,20}){0,4}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(a=plain, b=plain, url=urls)
def test_x_weight_adds_up_and_every_url_weighs_23(a: str, b: str, url: str) -> None:
    from twitter_text import parse_tweet

    assert x_weighted(f"{a} {b}") == x_weighted(a) + 1 + x_weighted(b)
    # As twitter-text counts: `0.Za` is a bare domain (.za), so a URL of 23.
    assert x_weighted(a) == parse_tweet(a).weightedLength
    if "." not in a:
        assert graphemes(a) <= x_weighted(a) <= 2 * len(a)
    assert x_weighted(f"{a} {url} {b}") == x_weighted(a) + 1 + 23 + 1 + x_weighted(b)


def test_x_counts_urls_without_setuptools() -> None:
    """A Python 3.12+ venv has no pkg_resources, which twitter-text's __init__ imports."""
    code = (
        "import sys; sys.modules['pkg_resources'] = None\n"
        "from cardgen.batch.captions import x_weighted\n"
        "print(x_weighted('see example.co.uk'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "27" and done.stderr == ""
