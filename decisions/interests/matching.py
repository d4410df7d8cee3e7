"""Which register entries and gifts a decision may touch: simple matching a person can check.

An organisation's name (an entry's organisation or body, a gift's giver) matches a decision
when, after normalising both (lower case, punctuation removed, stop words and the generic
words of company names dropped), either the whole name appears as a phrase in the decision
or every one of its remaining words does. The reason shown says which: a phrase, or the words.
Nothing is scored or weighted, so the sign page can say exactly why something was shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

STOP_WORDS = frozenset(
    {
        # Common English words.
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into"),
        *("is", "it", "of", "on", "or", "our", "the", "their", "this", "to", "with"),
        # The generic words of company names.
        *("ltd", "limited", "plc", "llp", "llc", "inc", "co", "company", "companies"),
        *("group", "holdings", "uk", "cic"),
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-case words of ``text``, accents folded, punctuation dropped."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return _WORD.findall(folded.lower())


def significant(text: str) -> list[str]:
    """The words that identify a name: no stop words, no one-letter words, order kept."""
    seen: list[str] = []
    for word in words(text):
        if len(word) > 1 and word not in STOP_WORDS and word not in seen:
            seen.append(word)
    return seen


@dataclass(frozen=True)
class Match:
    name: str  # the organisation or giver as recorded
    where: str  # "title" or "text" (summary, supporting sections)
    why: str


@dataclass(frozen=True)
class DecisionText:
    """The decision's words, normalised once: its title, and everything it says."""

    title_words: tuple[str, ...]
    all_words: tuple[str, ...]

    @classmethod
    def of(cls, title: str, *texts: str) -> DecisionText:
        title_words = tuple(words(title))
        body = [w for text in texts for w in words(text)]
        return cls(title_words=title_words, all_words=title_words + tuple(body))


def _has_phrase(haystack: tuple[str, ...], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(list(haystack[i : i + n]) == phrase for i in range(len(haystack) - n + 1))


def match(name: str, text: DecisionText) -> Match | None:
    """How ``name`` matches the decision, or None."""
    key = significant(name)
    if not key:
        return None
    phrase = [w for w in words(name) if w not in STOP_WORDS or w in key]
    for where, haystack in (("title", text.title_words), ("text", text.all_words)):
        place = "title" if where == "title" else "record"
        if len(phrase) > 1 and _has_phrase(haystack, phrase):
            return Match(name, where, f"The decision's {place} names “{' '.join(phrase)}”.")
        present = set(haystack)
        if all(word in present for word in key):
            listed = ", ".join(f"“{w}”" for w in key)
            plural = "words" if len(key) > 1 else "word"
            return Match(
                name, where, f"The decision's {place} has the {plural} {listed} of “{name}”."
            )
    return None
