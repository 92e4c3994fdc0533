"""One analyser for passages and questions: normalising, tokenizing, stemming.

Everything here is general English knowledge; nothing names a particular article.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

import snowballstemmer

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren arent as at be because been before
    being below between both but by can cannot cant could couldn couldnt did didn didnt do does doesn
    doesnt doing don dont down during each few for from further had hadn hadnt has hasn hasnt have
    haven havent having he hed hes her here heres hers herself him himself his how hows i id im ive if
    in into is isn isnt it its itself lets me more most much my myself no nor not of off on once only
    or other ought our ours ourselves out over own same shan she shes should shouldn shouldnt so some
    such than that thats the their theirs them themselves then there theres these they theyd theyre
    theyve this those through to too under until up very was wasn wasnt we wed were weren werent weve
    what whats when whens where wheres which while who whos whom why whys will with won wont would
    wouldn wouldnt you youd youll youre youve your yours yourself yourselves s t ll re ve d m
    also just still yet ever even really quite rather now get got gets getting make makes made making
    tell tells told say says said saying think thinks thought know knows knew let like want wants
    article text story news report piece please thanks thank hi hello hey ok okay anything something
    everything nothing one ones thing things way may might must shall us else besides additionally
    anyone anybody someone somebody everyone everybody nobody
    """.split()
)
# Words that ask rather than inform: they never count as evidence, nor as missing evidence.
QUESTION_WORDS = frozenset(
    """
    who whom whose what which when where why how whats wat wot wich wher whos hows
    exactly actually basically currently right tell explain describe give show
    happen happened happening happens go going goes went gone come comes came do does did done
    did talk talked talking speak spoke spoken message statement statements comment comments
    view views position stance opinion opinions point points reaction react reacted respond
    responded response answer answered claim claimed according
    """.split()
)

_stemmer = snowballstemmer.stemmer("english")

NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
}  # fmt: skip


MAX_QUESTION_CHARS = 400  # what a question is read for; a chat message may hold 4,096 characters


def clip_question(text: str) -> str:
    """Return the first MAX_QUESTION_CHARS characters of a question, cut at a word boundary.

    Nobody asks a question that long; the cap keeps every question's cost bounded whatever is pasted.
    """
    if len(text) <= MAX_QUESTION_CHARS:
        return text
    head = text[: MAX_QUESTION_CHARS + 1]
    cut = head.rfind(" ", MAX_QUESTION_CHARS // 2)
    return head[:cut] if cut > 0 else head[:MAX_QUESTION_CHARS]


def normalise(text: str) -> str:
    """Return text with unified quote marks, dashes and spaces, and no zero-width characters."""
    if text.isascii():
        # ASCII is already NFKC and holds no zero-width character; only the backtick maps.
        return text.replace("`", "'") if "`" in text else text
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    return text.translate(_QUOTE_MAP)


def fold(text: str) -> str:
    """Return text lower-cased and stripped of accents, for matching."""
    return _fold_normalised(normalise(text))


# Latin letters that Unicode does not decompose into a base letter and an accent: how an English keyboard
# writes them ("Østergaard" is asked about as "ostergaard").
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def _fold_normalised(text: str) -> str:
    text = text.lower()
    if text.isascii():  # the common case once quotes are unified: nothing to decompose
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Nationality adjectives and short forms, mapped to one term per country (general knowledge).
COUNTRY_FORMS: dict[str, str] = {
    "american": "usa", "americans": "usa", "america": "usa", "usa": "usa", "washington": "usa",
    "ukrainian": "ukraine", "ukrainians": "ukraine", "ukraine": "ukraine",
    "russian": "russia", "russians": "russia", "russia": "russia", "kremlin": "russia",
    "british": "uk", "britain": "uk", "uk": "uk", "english": "england",
    "german": "germany", "germans": "germany", "french": "france", "italian": "italy",
    "spanish": "spain", "chinese": "china", "japanese": "japan", "indian": "india",
    "canadian": "canada", "mexican": "mexico", "brazilian": "brazil", "polish": "poland",
    "dutch": "netherlands", "turkish": "turkey", "iranian": "iran", "israeli": "israel",
    "palestinian": "palestine", "syrian": "syria", "egyptian": "egypt", "korean": "korea",
    "australian": "australia", "swiss": "switzerland", "swedish": "sweden", "norwegian": "norway",
    "danish": "denmark", "finnish": "finland", "greek": "greece", "irish": "ireland",
    "belgian": "belgium", "austrian": "austria", "hungarian": "hungary", "czech": "czechia",
    "romanian": "romania", "portuguese": "portugal", "saudi": "saudi", "european": "europe",
    "african": "africa", "asian": "asia", "belarusian": "belarus", "georgian": "georgia",
    "martian": "mars", "lunar": "moon", "venusian": "venus", "jovian": "jupiter",
    "venezuelan": "venezuela", "argentinian": "argentina", "argentine": "argentina",
}  # fmt: skip
_US = re.compile(r"\bU\.?S\.?(?:A\.?)?(?=\W|$)|\bUnited States(?: of America)?\b|(?i:(?<=\bthe )us\b|^us\b)")

# Every text _US can change holds one of these (a quick test: _US itself is slow on long texts).
_US_HINT = re.compile(r"[Uu]\.?[Ss](?:\.?A|\b)|United States")
_WORD = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_SHORT = 160  # texts up to this length (names, roles, questions, sentences) are cached: they recur


def words(text: str) -> list[str]:
    """Split text into folded surface words: letters, or numbers with their separators."""
    if len(text) <= _SHORT:
        return list(_cached_words(text))
    return _words(text)


@functools.lru_cache(maxsize=1 << 14)
def _cached_words(text: str) -> tuple[str, ...]:
    return tuple(_words(text))


def _words(text: str) -> list[str]:
    out: list[str] = []
    # normalise() is idempotent, so the text is folded without normalising it a second time.
    text = normalise(text)
    if _US_HINT.search(text):
        text = _US.sub("USA", text)
    for raw in _WORD.findall(_fold_normalised(text)):
        if raw[0].isdigit() or "'" in raw:
            out += _surface(raw)
        else:
            out.append(raw)
    return out


def _surface(raw: str) -> list[str]:
    """The words one raw token stands for: "41,000" is 41000, "6%" is 6 and percent, "union's" is union."""
    if raw[0].isdigit():
        percent = raw.endswith("%")
        raw = raw.rstrip("%")
        # 41,000 -> 41000 ; 6.5 stays 6.5
        if _THOUSANDS.fullmatch(raw):
            raw = raw.replace(",", "")
        return [raw.rstrip(".,"), "percent"] if percent else [raw.rstrip(".,")]
    if "'" in raw:
        head, _, tail = raw.partition("'")
        return [head] if tail in ("s", "t", "ll", "re", "ve", "d", "m") else [head, tail]
    return [raw]


def placed_terms(folded: str, start: int = 0, before: int | None = None) -> Iterator[tuple[int, str]]:
    """The index terms of an already folded text, each with the offset where its word starts; only words
    from `start` on that start before `before`. Lazy: a caller may stop after the first few."""
    for m in _WORD.finditer(folded, start):
        if before is not None and m.start() >= before:
            return
        for w in _surface(m.group()):
            if w not in STOP_WORDS:
                yield m.start(), stem(w)


def placed_word(folded: str, at: int) -> re.Match[str] | None:
    """The word of a folded text that starts at an offset, if one does."""
    return _WORD.match(folded, at)


@functools.lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """Return the Snowball (Porter 2) stem of one folded word; numbers are kept as they are."""
    if word[0].isdigit():
        return word
    word = COUNTRY_FORMS.get(word) or NUMBER_WORDS.get(word, word)
    if word[0].isdigit():
        return word
    return str(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """Return the index terms of a text: stems of its non-stop words, in order."""
    if len(text) <= _SHORT:
        return list(_cached_terms(text))
    return [stem(w) for w in _words(text) if w not in STOP_WORDS]


@functools.lru_cache(maxsize=1 << 14)
def _cached_terms(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _cached_words(text) if w not in STOP_WORDS)
