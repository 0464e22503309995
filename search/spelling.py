"""Spelling: correct only words that are neither English nor the catalog's, split run-together words.

English words come from symspellpy's bundled word-frequency list (82,765 words from Google Books
n-grams; chosen because it is maintained, ships inside the wheel and needs no download). Only its
word list is read here: the catalog's vocabulary is small, so candidate corrections are looked up
in a SymSpell index of the catalog words alone, which builds in milliseconds.

A correction is confident (the words are replaced, "Showing results for …") when the unknown word
is one edit from exactly one catalog word, or splits into two known words ("walkingboots"). A
word two edits away, or one edit from several, is searched as typed and offered as "did you mean".
"""

import importlib.resources
from dataclasses import dataclass

from symspellpy import SymSpell, Verbosity

from ml.loading import loaded_get
from search.vocabulary import catalog_vocabulary

ENGLISH_DICTIONARY = "frequency_dictionary_en_82_765.txt"
MIN_LENGTH = 4
MIN_PART = 3


@dataclass
class Spelling:
    corrected: str | None = None
    """The words with confident corrections: what is searched."""
    suggestion: str | None = None
    """An unconfident correction: the original is searched, this is offered as "did you mean"."""


def english_words() -> frozenset[str]:
    """The bundled English word list, read once per process."""

    def load() -> frozenset[str]:
        path = importlib.resources.files("symspellpy") / ENGLISH_DICTIONARY
        return frozenset(line.split(" ", 1)[0] for line in path.read_text().splitlines() if line)

    return loaded_get(key="search.english_words", version=ENGLISH_DICTIONARY, load=load)


def _catalog_index(vocabulary: frozenset[str]) -> SymSpell:
    def load() -> SymSpell:
        index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word in vocabulary:
            index.create_dictionary_entry(word, 1)
        return index

    return loaded_get(key="search.catalog_spelling", version=hash(vocabulary), load=load)


def _known_words(*, english: frozenset[str], catalog: frozenset[str]) -> frozenset[str]:
    """English and catalog words together, built once per catalog vocabulary: a fresh union of 83,000 words
    for every unknown word typed took longer than the lexical search itself."""
    return loaded_get(key="search.known_words", version=hash(catalog), load=lambda: english | catalog)


def _split(word: str, *, known: frozenset[str] | set[str], catalog: frozenset[str]) -> str | None:
    """Two known words written together ("tennisracket"): both the catalog's, or one of them and a longer English word."""

    def fits(left: str, right: str) -> bool:
        if left in catalog and right in catalog:
            return True
        return (left in catalog and right in known and len(right) > MIN_PART) or (
            right in catalog and left in known and len(left) > MIN_PART
        )

    splits = [
        (word[:cut], word[cut:]) for cut in range(MIN_PART, len(word) - MIN_PART + 1) if fits(word[:cut], word[cut:])
    ]
    if not splits:
        return None
    # Prefer splits whose parts are both catalog words, then the most balanced one.
    left, right = max(
        splits, key=lambda parts: (parts[0] in catalog and parts[1] in catalog, -abs(len(parts[0]) - len(parts[1])))
    )
    return f"{left} {right}"


def spelling_check(*, text: str) -> Spelling:
    """Confident corrections of words that are neither English nor in the catalog, and a "did you mean"."""
    catalog = catalog_vocabulary()
    english = english_words()
    index = _catalog_index(catalog)
    confident, offered = [], []
    changed = unsure = False
    for word in text.split():
        lowered = word.lower().strip(",.!?")
        if len(lowered) < MIN_LENGTH or not lowered.isalpha() or lowered in catalog:
            confident.append(word)
            offered.append(word)
            continue
        split = _split(lowered, known=_known_words(english=english, catalog=catalog), catalog=catalog)
        if split and (lowered not in english or all(part in catalog for part in split.split())):
            confident.append(split)
            offered.append(split)
            changed = True
            continue
        if lowered in english:
            confident.append(word)
            offered.append(word)
            continue
        candidates = index.lookup(lowered, Verbosity.CLOSEST, max_edit_distance=2)
        best = candidates[0] if candidates else None
        # One edit from a single catalog word is a typo; a dropped last letter ("cardi" → "card") or a
        # second edit is a guess, offered rather than searched.
        if best and best.distance == 1 and len(candidates) == 1 and not lowered.startswith(best.term):
            confident.append(best.term)
            offered.append(best.term)
            changed = True
        elif best:
            confident.append(word)
            offered.append(best.term)
            unsure = True
        else:
            confident.append(word)
            offered.append(word)
    return Spelling(
        corrected=" ".join(confident) if changed else None,
        suggestion=" ".join(offered) if unsure else None,
    )
