"""Sample quotes for contact sheets: a short, a medium and a long quote in English,
French, Japanese and Arabic (written for cardgen; no article's text)."""

from __future__ import annotations

from cardgen.design.cardtext import CardText

LENGTHS = ("short", "medium", "long")
LANGUAGES = ("en", "fr", "ja", "ar")

_QUOTES = {
    "en": (
        "Rest is part of the work.",
        "Nobody builds a life alone. We borrow courage from the people beside us, and we "
        "pay it back by showing up for them.",
        "The habit that changed my mornings was not waking earlier or planning harder. It "
        "was deciding, the night before, which one thing would make tomorrow worthwhile, and "
        "then guarding the first hour for it. Everything else still happened. It simply "
        "stopped deciding the shape of my day, and I stopped feeling behind before breakfast.",
    ),
    "fr": (
        "Le calme aussi est un choix.",
        "On croit souvent qu\u2019il faut tout réussir à la fois. Pourtant, avancer d\u2019un "
        "pas chaque jour suffit à changer la direction d\u2019une vie.",
        "Ce que j\u2019ai appris en devenant mère, ce n\u2019est pas à tout faire, mais à "
        "choisir ce qui compte vraiment. Certains jours, c\u2019est le travail\u202f; "
        "d\u2019autres, c\u2019est une heure au parc sans téléphone. La culpabilité revient "
        "parfois, bien sûr, mais elle ne décide plus à ma place, et c\u2019est déjà une "
        "grande liberté.",
    ),
    "ja": (
        "休むことも、仕事のうちです。",
        "完璧を目指すより、毎日少しずつ進むほうがずっと遠くまで行ける。焦らなくても、道はちゃんと続いている。",
        "子どもが生まれてから、時間の使い方がすっかり変わりました。以前はすべてを自分でやろうと"
        "していましたが、今は本当に大切なことを一つだけ選び、残りは家族や同僚に頼るようにして"
        "います。そうすることで、仕事にも家庭にも前より穏やかな気持ちで向き合えるようになりました。",
    ),
    "ar": (
        "الراحة جزء من العمل.",
        "لا أحد يبني حياته وحده. نستعير الشجاعة ممن حولنا، "
        "ثم نردّها حين نقف إلى جانبهم في أيامهم الصعبة.",
        "ما تعلمته بعد أن أصبحت أمًّا ليس أن أفعل كل شيء، بل أن أختار ما يهم حقًا. في بعض الأيام "
        "يكون العمل هو الأولوية، وفي أيام أخرى تكون ساعة هادئة في الحديقة مع أطفالي. ما زال الشعور "
        "بالذنب يعود أحيانًا، لكنه لم يعد يقرر عني، وهذه في حد ذاتها حرية كبيرة.",
    ),
}
_PEOPLE = {
    "en": ("Maya Laurent", "Small Steps, Every Day"),
    "fr": ("Camille Roche", "Un pas après l\u2019autre"),
    "ja": ("佐藤 由紀", "毎日の小さな一歩"),
    "ar": ("ليلى حداد", "خطوة كل يوم"),
}


def sample(lang: str, length: str, *, handle: str = "", url: str = "") -> CardText:
    """The sample quote of one language and length, with its attribution and title."""
    quote = _QUOTES[lang][LENGTHS.index(length)]
    person, title = _PEOPLE[lang]
    return CardText(
        quote=quote,
        attribution=person,
        title=title,
        publisher="Happy as a Mother",
        handle=handle,
        url=url,
        lang=lang,
    )
