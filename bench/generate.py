"""A deterministic synthetic news archive in the layout of articles/*.txt, and questions about it.

Everything comes from one seeded ``random.Random``: the same seed and count give byte-identical files.
The vocabulary is realistic for BM25: a fixed core of common English words plus a large pseudo-word
lexicon (syllable-built, Zipf-distributed), so a few terms are in many passages and most in few.
Names are built from syllables too; roles use general English role nouns the parser knows.

    python -m bench.generate OUT_DIR --articles 1000 [--seed 5]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

SEED = 5
LEXICON_SIZE = 40_000

_ONSETS = "b br c ch cl d dr f fl g gr h j k kr l m n p pl pr r s sh sk st t tr v w z".split()
_VOWELS = "a e i o u ai ea ou io".split()
_CODAS = [""] * 6 + "n r s l m t nd rt st".split()

# Common English content words, so questions and passages share a realistic core.
COMMON = """
government minister talks agreement plan city council company workers union court judge police vote
election budget tax price prices energy water school hospital report market bank trade deal security
border army war peace strike protest law ruling fine contract project bridge railway airport port
ship cargo farmers harvest storm flood fire heat winter summer economy growth jobs wages pension
health doctors patients vaccine climate emissions coal gas oil power grid housing rent families
children students teachers exam research scientists study data internet network phone service
customers profit losses shares investors museum festival team match season coach players club fans
""".split()
FILLER = """
the a an of in on at to for with by from and or but as that this which while after before during
over under between about against among into through across around since until
""".split()
VERBS = """
announced approved rejected delayed expanded reduced increased opened closed launched criticised
defended proposed signed cancelled confirmed warned promised discussed reviewed blocked funded
""".split()
ROLES = """
Minister|Chair|Director|Spokesperson|Mayor|Governor|Chief Executive|Secretary General|Ambassador|
Commissioner|Professor|Analyst|Head|President|Judge|Economist|Spokesman|Adviser
""".replace("\n", "").split("|")
ORGS = "Union|Authority|Council|Ministry|Agency|Institute|Commission|Federation|Bank|Court".split("|")
COUNTRIES = "France Germany Poland Brazil Canada Japan Kenya Norway Chile Spain Italy India".split()
MONTHS = "January February March April May June July August September October November December".split()


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables - 1)) + (
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
    )


@dataclass
class Lexicon:
    """Pseudo-words with Zipf weights, and a name generator."""

    rng: random.Random
    words: list[str] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random, size: int = LEXICON_SIZE) -> Lexicon:
        seen: set[str] = set(COMMON) | set(FILLER)
        words: list[str] = []
        while len(words) < size:
            w = _word(rng, rng.choice((2, 2, 3, 3, 3, 4)))
            if w not in seen and len(w) >= 4:
                seen.add(w)
                words.append(w)
        words = COMMON + words  # the common words take the top Zipf ranks
        cumulative = list(itertools.accumulate(1.0 / (rank + 10) ** 1.05 for rank in range(len(words))))
        return cls(rng, words, cumulative)

    def content(self) -> str:
        x = self.rng.random() * self.cumulative[-1]
        return self.words[min(bisect.bisect(self.cumulative, x), len(self.words) - 1)]

    def name(self) -> str:
        first = _word(self.rng, self.rng.choice((2, 2, 3))).capitalize()
        last = _word(self.rng, self.rng.choice((2, 3, 3))).capitalize()
        return f"{first} {last}"


@dataclass
class Person:
    name: str
    role: str

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


@dataclass
class GeneratedArticle:
    """One article's file name and text, and facts to ask about."""

    filename: str
    text: str
    people: list[Person]
    topics: list[str]
    quote_phrases: list[str]
    list_noun: str


def _sentence(lex: Lexicon, rng: random.Random, topics: list[str], n: int | None = None) -> str:
    n = n or rng.randint(10, 22)
    out: list[str] = []
    for i in range(n):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(FILLER))
        elif r < 0.5:
            out.append(rng.choice(topics))
        elif r < 0.58:
            out.append(rng.choice(VERBS))
        elif r < 0.62 and i:
            out.append(str(rng.randint(2, 9000)))
        else:
            out.append(lex.content())
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def _paragraph(lex: Lexicon, rng: random.Random, topics: list[str], sentences: tuple[int, int] = (2, 4)) -> str:
    return " ".join(_sentence(lex, rng, topics) for _ in range(rng.randint(*sentences)))


def article(lex: Lexicon, rng: random.Random, number: int) -> GeneratedArticle:
    """Write one article: headline, paragraphs, quote lines, inline quotes, a list, hashtags, a date."""
    topics = [lex.content() for _ in range(5)]
    org = f"{lex.words[len(COMMON) + rng.randrange(LEXICON_SIZE)].capitalize()} {rng.choice(ORGS)}"
    people = [Person(lex.name(), f"{rng.choice(ROLES)} of the {org}" if i == 0 else rng.choice(ROLES))
              for i in range(rng.randint(2, 4))]  # fmt: skip
    country = rng.choice(COUNTRIES)
    headline = f"{topics[0].capitalize()} {rng.choice(VERBS)} as {topics[1]} {lex.content()} in {country}"
    blocks: list[str] = []
    phrases: list[str] = []

    def quote(p: Person) -> str:
        body = _sentence(lex, rng, topics) + " " + _sentence(lex, rng, topics, rng.randint(6, 12))
        phrases.append(" ".join(body.split()[:6]).rstrip("."))
        return body.rstrip(".")

    lead = people[0]
    blocks.append(f"In {country}, {_paragraph(lex, rng, topics)[0].lower()}{_paragraph(lex, rng, topics)[1:]}")
    blocks.append(
        f"{lead.role.split(' of ')[0]} {lead.name} said on {rng.choice(MONTHS)} {rng.randint(1, 28)} that the "
        f"{topics[0]} plan was “{_sentence(lex, rng, topics, 8).rstrip('.')}”. {_paragraph(lex, rng, topics, (1, 2))}"
    )
    blocks.append(f"{lead.name}, {lead.role}: “{quote(lead)}”.")
    noun = lex.content()
    list_items = [_sentence(lex, rng, topics, rng.randint(7, 14)) for _ in range(rng.randint(3, 5))]
    body_people = itertools.cycle(people[1:] + people[:1])
    for k in range(rng.randint(14, 20)):
        r = rng.random()
        p = next(body_people)
        if k == 4:
            blocks.append(f"The {org} set out several {noun} on {topics[2]}:")
            blocks.append("\n".join(f"• {item}" for item in list_items) + f"\n{p.name}: “{quote(p)}”.")
        elif r < 0.22:
            blocks.append(f"{p.name}, {p.role}: “{quote(p)}”.")
        elif r < 0.32:
            said = _sentence(lex, rng, topics, 9).rstrip(".")
            blocks.append(f"“{said},” said {p.name}. {_paragraph(lex, rng, topics, (1, 2))}")
        elif r < 0.40:
            blocks.append(f"{p.name}: “{quote(p)}”.")
        else:
            blocks.append(_paragraph(lex, rng, topics))
    tags = " ".join(f"#{t.upper()}" for t in (country, topics[0]))
    day, month, hour, minute = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 23), rng.randint(0, 59)
    text = headline + "\n\n" + "\n\n".join(_indent(b) for b in blocks) + f"\n\n\n{_tags(tags)}\n\n    "
    text += f"{day:02d}.{month:02d}.2025 {hour:02d}:{minute:02d}\n"
    filename = f"2025-{month:02d}-{day:02d}-{number:05d}-{topics[0]}.txt"
    return GeneratedArticle(filename, text, people, topics, phrases, noun)


def _indent(block: str) -> str:
    return "\n".join("    " + line for line in block.split("\n"))


def _tags(tags: str) -> str:
    return "\n".join(f"    {t}" for t in tags.split())


def generate(count: int, seed: int = SEED) -> list[GeneratedArticle]:
    """Return `count` articles, deterministic for (count, seed)."""
    rng = random.Random(seed)
    lex = Lexicon.build(rng)
    return [article(lex, rng, n) for n in range(count)]


def write_archive(out: Path, count: int, seed: int = SEED) -> list[GeneratedArticle]:
    """Write `count` articles into an empty or stale folder; return them."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    arts = generate(count, seed)
    for a in arts:
        (out / a.filename).write_text(a.text, encoding="utf-8")
    return arts


def questions(arts: list[GeneratedArticle], count: int, seed: int = SEED) -> list[str]:
    """A realistic mix of questions about the archive: speakers, who-said, lists, facts, typos, off-topic."""
    rng = random.Random(seed + 1)
    out: list[str] = []
    for i in range(count):
        a = rng.choice(arts)
        p = rng.choice(a.people)
        kind = i % 10
        if kind == 0:
            out.append(f"What did {p.name} say?")
        elif kind == 1:
            out.append(f"What did {p.surname} say about the {rng.choice(a.topics)}?")
        elif kind == 2 and a.quote_phrases:
            out.append(f"Who said {rng.choice(a.quote_phrases).lower()}?")
        elif kind == 3:
            out.append(f"What are the {a.list_noun} on {a.topics[2]}?")
        elif kind == 4:
            out.append(f"How many {a.topics[1]} did the {a.topics[0]} plan need?")
        elif kind == 5:
            out.append(f"When will the {a.topics[0]} {a.topics[3]} open?")
        elif kind == 6:
            t = a.topics[rng.randrange(5)]
            typo = t[:2] + t[3] + t[2] + t[4:] if len(t) > 5 else t
            out.append(f"Why was the {typo} {rng.choice(a.topics)} delayed?")
        elif kind == 7:
            out.append("What is the recipe for chocolate cake?")
        else:
            out.append(f"What happened to the {a.topics[0]} and the {a.topics[1]} {rng.choice(a.topics)}?")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    arts = write_archive(args.out, args.articles, args.seed)
    print(f"wrote {len(arts)} articles to {args.out}")


if __name__ == "__main__":
    main()
