"""General English the engine relies on: a small thesaurus, idioms, calendar words, word frequencies.

Nothing here names a particular article; it is knowledge any English reader brings to a question.
"""

from __future__ import annotations

import functools
import math
import re

from index.text import stem

# Small general-English thesaurus of news vocabulary: groups of words that stand in for each other.
SYNONYMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(g.split())
    for g in """
    agreement deal accord settlement treaty pact
    talks negotiations negotiation discussions consultations
    war conflict fighting hostilities combat
    ceasefire truce armistice
    strike walkout stoppage
    worker employee staff workforce
    port harbour harbor dock docks quay
    customer client clients buyer
    government ministry authorities administration
    company firm business corporation
    money funds funding cash euros dollars cost costs
    pay wage wages salary salaries earn earnings raise
    fine penalty
    court tribunal judge
    ruling judgment judgement verdict decision
    appeal challenge
    lawsuit case suit
    picture pictures photo photos image images photograph
    start begin began started launch
    end stop halt finish
    cut reduce lower
    rise increase grow raise
    fall drop decline decrease
    job jobs employment
    risk risks danger threat threats hazard
    problem problems issue issues difficulty trouble
    goal goals aim aims objective objectives target
    demand demands request requests
    order orders ruling instruct
    plan plans proposal proposals offer
    say said state stated tell told claim
    help support assist aid
    attack strike assault
    killed dead died death deaths casualties
    damage destruction destroyed
    mediator intermediary broker
    security safety protection
    country nation
    city town
    leader chief head boss
    expert analyst specialist
    talk speech address
    meeting meet summit
    delay postpone
    reason reasons cause why
    happy pleased glad
    angry furious upset
    sell sold sale
    buy bought purchase
    big large huge
    small little tiny
    fast quick rapid swift
    cold freezing frozen heat heating
    house home homes houses housing
    rocket launcher missile
    car vehicle
    photo picture
    test trial experiment
    study research analyse analyze examine
    near close imminent nearby
    good beneficial benefit benefits advantage advantageous helpful positive
    tired exhausted fatigued overworked weary
    hire hiring recruit recruiting recruitment employ posts
    hurt injured injury injuries wounded harmed
    heatwave heat temperatures temperature
    currency crown crowns euro dollar pound yen franc rouble ruble krona krone zloty forint peso rupee lira
    fans supporters
    soon early premature prematurely
    promise promised pledge pledged commit committed vow vowed
    evacuate evacuated evacuation evacuees flee fled
    people residents inhabitants citizens locals population
    affect affects affected impact impacts hit reach
    fire blaze wildfire flames
    cause caused blame blamed
    house houses home homes dwelling
    member members membership
    owner owners proprietor
    lose lost losing loss
    spread extend expand widen escalate
    schedule timetable timeline
    late behind delayed
    world planet
    launch fire fired liftoff
    uncover uncovered discover discovered reveal revealed expose exposed showed
    secret secretly hidden covert quietly
    settle resolve resolved
    accept agree agreed approve approved
    hold pause suspend suspended freeze
    compensation damages refund payout reimbursement
    terms conditions
    secure consolidate lock
    vote ballot election poll
    law legislation bill act
    police officers
    crash accident collision
    rule rules regulation regulations
    warn warned warning caution
    protest protests demonstration demonstrators rally
    price prices cost fare fares
    weather storm rain
    sick ill illness disease
    fix repair mend
    build built construct constructed
    student pupil
    buyer purchaser
    rise soar jump climb
    drop plunge slump
    """.strip().splitlines()
)


@functools.lru_cache(maxsize=1)
def _synonym_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for group in SYNONYMS:
        stems = {stem(w) for w in group}
        for s in stems:
            index.setdefault(s, set()).update(stems)
    return {k: frozenset(v - {k}) for k, v in index.items()}


def synonyms(term: str) -> frozenset[str]:
    """Return the stems that may stand in for a stem (general-English thesaurus)."""
    return _synonym_index().get(term, frozenset())


@functools.lru_cache(maxsize=1)
def _english() -> dict[str, int]:
    """Word frequencies of English (pyspellchecker's dictionary), loaded on first use."""
    from spellchecker import SpellChecker

    return dict(SpellChecker().word_frequency.dictionary)


def is_english_word(word: str) -> bool:
    """Tell whether a folded word is a common English word (so not a typo to correct)."""
    return _english().get(word, 0) >= 200


IDIOMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bgo(?:es)?\s+wrong\b"), "risks problems danger"),
    (re.compile(r"\bstep(?:ped|s)?\s+in\b"), "intervene mediator offer"),
    (re.compile(r"\bgo-between\b"), "mediator"),
    (re.compile(r"\bsticking\s+points?\b"), "issues problems disputed"),
    (re.compile(r"\b(?:still\s+)?(?:go|goes|going|went)\s+on\b"), "continue continues continued"),
    (re.compile(r"\bfor\s+good\b"), "never forever permanently"),
    (re.compile(r"\b(?:on|at)?\s*any\s+(?:terms|price|conditions)\b|\bwhatever\s+it\s+takes\b"), "any cost"),
)


def english_rarity(word: str) -> float:
    """How specific a word is in general English: 1.0 for rare words and names, lower for common ones."""
    if word[0].isdigit():
        return 0.5
    freq = _english().get(word, 0)
    if freq <= 0:
        return 1.0
    return max(0.2, min(1.0, 1.0 - math.log10(freq) / 7.0))


CALENDAR_WORDS = frozenset(
    "today tomorrow yesterday tonight morning evening night day days week weeks weekend month months year years "
    "monday tuesday wednesday thursday friday saturday sunday now time".split()
)
