"""Lines written in capitals, re-cased so the tagger can see names in them.

News text is full of capitals: headlines, datelines ("LONDON 1996-08-30", "WASHINGTON (AP) -"),
sports fixtures ("BALTIMORE AT SEATTLE"). The small English model has learnt that names look
like "London", not "LONDON", and misses most of them. ``truecase`` rewrites such lines in title
case with small words in lower case. It never changes the length of the text, so every
character offset found in the re-cased text points at the same words of the original: names
are always reported as the article writes them.
"""

from __future__ import annotations

import re

# Words that stay in lower case inside a re-cased line (unless they open it).
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of off on or over per the to up v vs via with".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_LETTER = re.compile(r"[A-Za-z]")
MIN_LETTERS = 4
UPPER_SHARE = 0.85


def is_shouting(line: str) -> bool:
    """A line mostly in capitals, with enough letters to be words rather than an acronym."""
    letters = _LETTER.findall(line)
    if len(letters) < MIN_LETTERS:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) >= UPPER_SHARE and any(len(w) >= 3 for w in _WORD.findall(line))


def truecase(text: str) -> str:
    """The text with every all-capitals line in title case; same length, same offsets."""
    if not any(is_shouting(line) for line in text.splitlines()):
        return text
    lines = text.splitlines(keepends=True)
    return "".join(_recase_line(line) if is_shouting(line) else line for line in lines)


def _recase_line(line: str) -> str:
    first = True

    def recase(match: re.Match[str]) -> str:
        nonlocal first
        word = match.group(0)
        opening = first
        first = False
        before = line[match.start() - 1] if match.start() else ""
        after = line[match.end()] if match.end() < len(line) else ""
        if before == "." or after == ".":
            return word  # "U.S.", "N.Y.": initials keep their capitals
        if len(word) <= 2 and word.lower() not in _SMALL_WORDS:
            return word  # "UN", "US", "EU" are more often acronyms than words
        if word.lower() in _SMALL_WORDS and not opening:
            return word.lower()
        return _capitalise(word)

    return _WORD.sub(recase, line)


def _capitalise(word: str) -> str:
    # "O'NEILL" -> "O'Neill", but "PEOPLE'S" -> "People's"
    parts = re.split(r"(['’])", word)
    out = [parts[0][:1].upper() + parts[0][1:].lower()]
    for i in range(1, len(parts), 2):
        tail = parts[i + 1] if i + 1 < len(parts) else ""
        out.append(parts[i])
        out.append(tail.lower() if len(tail) <= 1 else tail[:1].upper() + tail[1:].lower())
    return "".join(out)
