"""Cheap checks that a text is something the English pipeline can brief.

Function words give a language away: any English article is full of "the", "of" and "and".
Tables of results or prices hold few function words of any language, yet they are English
news all the same; so a text is refused only when it is written in another script, or when the
function words of another language outnumber the English ones.
"""

from __future__ import annotations

import re
from collections import Counter

from summarizer.errors import SummarizeError

# The most frequent English function words: any real English article is full of them.
_ENGLISH = frozenset(
    (
        "the of and to a in is that for it as was with on be by at this are from or an have his her "
        "he she they which not but had has were their its been would will said who also after more "
        "than about over into"
    ).split()
)
# Frequent function words of other languages written in Latin script, leaving out any that are
# also English words ("die", "also", "son", "come").
_OTHERS: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "German": "der und den das ist nicht ein eine einen einem mit dem sich auf für von zu auch es wird "
        "sie ich nach bei aus wie oder aber noch nur sind wurde wurden im zum zur vom beim dass werden "
        "haben hatte hatten nachdem durch gegen über seit sowie zwischen während",
        "French": "le la les et des est une du dans qui que pour pas sur au avec il elle ce sont ont "
        "mais par plus leur été aux ne nous vous",
        "Spanish": "el los las y del que en por con para una es su al lo como más pero sus fue ha "
        "sobre este entre cuando muy sin",
        "Italian": "il di che della per una sono non con gli nel alla dei delle anche più ma come "
        "questo essere ha stato nella",
        "Portuguese": "os das dos não uma com para por mais como foi ao pelo pela ele ela são seu sua também",
        "Dutch": "de het een en van ik te dat zijn op niet met voor hij zij er maar om ook nog bij "
        "werd worden",
        "Scandinavian": "och att det som är för på med av till inte har jeg og ikke til af er den",
        "Indonesian": "yang dan di dari untuk dengan ini itu tidak dalam akan pada juga ke karena oleh sudah",
        "Turkish": "ve bir bu için ile da de çok olarak daha gibi olan ama",
        "Polish": "i w nie na się z że do jest to jak ale po co od za przez",
    }.items()
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPACE = re.compile(r"\s")
MIN_WORDS = 8
MIN_LATIN_SHARE = 0.6
# Longer texts are judged on stretches spread evenly over them: a 200 KB article costs what a
# 20 KB one does, and its language still shows in every stretch.
SAMPLE_CHARS = 20_000
SAMPLE_PIECES = 10


def check_briefable(text: str) -> None:
    """Raise ``SummarizeError`` for empty, too short or non-English text."""
    words = _WORD.findall(sample(text))
    if not text.strip() or not words:
        raise SummarizeError("the article is empty")
    if len(words) < MIN_WORDS:
        raise SummarizeError(f"the article is too short to brief ({len(words)} words)")
    counts = Counter(words)  # each distinct word is looked at once
    latin = sum(n for w, n in counts.items() if w.isascii() or _is_latin_letters(w))
    if latin / len(words) < MIN_LATIN_SHARE:
        raise SummarizeError("the article does not look like English text; only English is supported")
    lowered: Counter[str] = Counter()
    for w, n in counts.items():
        lowered[w.lower()] += n
    english = sum(lowered[w] for w in _ENGLISH if w in lowered)
    for name, vocabulary in _OTHERS.items():
        other = sum(lowered[w] for w in vocabulary if w in lowered)
        if other >= 3 and other > 1.5 * english:
            raise SummarizeError(
                f"the article looks like {name} rather than English; only English is supported"
            )


def _is_latin_letters(word: str) -> bool:
    # Accented Latin letters (é, ñ, ø, ł) sit below U+0250; Greek, Cyrillic, CJK are above.
    return all(ord(c) < 0x250 for c in word)


def sample(text: str, size: int = SAMPLE_CHARS, pieces: int = SAMPLE_PIECES) -> str:
    """``text`` itself when it has at most ``size`` characters; else ``pieces`` stretches of
    whole words, evenly spread from its start to its end, about ``size`` characters in all."""
    if len(text) <= size:
        return text
    width = size // pieces
    step = (len(text) - width) / max(1, pieces - 1)  # the last stretch ends where the text does
    stretches = []
    for n in range(pieces):
        start = int(n * step)
        end = start + width
        if start and (space := _SPACE.search(text, start, end)):
            start = space.end()  # not in the middle of a word
        if space := _SPACE.search(text, end, end + 100):
            end = space.start()
        stretches.append(text[start:end])
    return "\n".join(stretches)
