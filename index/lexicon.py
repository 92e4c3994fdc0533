"""General English the engine relies on: a small thesaurus, idioms, calendar words, word frequencies.

Nothing here names a particular article; it is knowledge any English reader brings to a question.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
import sys
from array import array
from collections.abc import Sequence
from importlib import resources

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
    leak leaked leaking release released spill spilled escape escaped discharge
    factory plant works facility mill
    suspend suspended pause paused halt halted stopped
    thief thieves burglar burglars robber robbers raider raiders
    theft robbery burglary heist raid break-in
    steal stole stolen
    apologise apologised apologize apologized apology sorry regret regrets
    contamination contaminated impurity impurities pollution polluted
    boat boats ship ships vessel vessels barge barges ferry
    delay delays delayed disruption disruptions held
    reopen reopened reopening resume resumed
    closed shut closure
    ill sick illness unwell hospitalised hospitalized hospital
    free charge complimentary
    arrest arrested detained detention custody
    suspect suspects accused
    investigate investigation inquiry probe investigators
    police officers detectives constabulary
    kill killed dead death deaths died fatalities
    injure injured hurt wounded casualties
    rescue rescued saved
    flood flooding floods inundation
    storm storms hurricane typhoon cyclone
    earthquake quake tremor
    drought dry
    election vote ballot poll polls referendum
    win won victory victorious
    lose lost defeat defeated
    candidate candidates contender
    party parties
    minister ministers secretary
    parliament legislature assembly congress
    law laws legislation bill statute
    ban banned prohibit prohibited forbid
    allow allowed permit permitted approve approved
    reject rejected refuse refused decline declined
    agree agreed consent accept accepted
    criticise criticised criticize criticized condemn condemned
    praise praised welcome welcomed
    warn warned warning caution alert
    fear fears worry worried concern concerns anxious
    protest protests protesters demonstration demonstrators march
    sue sued lawsuit litigation
    court courts judge tribunal
    prison jail jailed imprisoned sentence sentenced
    fine fined penalty penalties
    price prices cost costs fee fees charge
    cheap cheaper inexpensive affordable
    expensive costly dear
    increase increased rise rising rose grow growth hike
    decrease decreased fall falling fell drop dropped decline cut cuts
    inflation prices
    interest rate rates
    loan loans mortgage mortgages credit debt debts borrowing
    tax taxes levy duty
    budget spending spend
    invest investment investing investor investors
    profit profits earnings gains
    loss losses deficit
    job jobs post posts position vacancy vacancies
    sack sacked fire fired dismiss dismissed layoff layoffs redundancies
    school schools pupils students classroom
    teacher teachers teaching
    exam exams examination test tests
    university universities college campus
    doctor doctors physician physicians medic
    patient patients
    drug drugs medicine medicines medication tablet tablets pill pills
    vaccine vaccines vaccination jab
    disease diseases virus infection outbreak
    hospital hospitals clinic clinics ward
    train trains rail railway
    bus buses coach
    road roads street streets highway motorway
    car cars vehicle vehicles automobile
    plane planes aircraft jet flight flights
    airport airports airfield
    bridge bridges crossing
    building buildings premises property
    land territory area
    river rivers stream
    sea coast coastal shore
    weather forecast
    climate environment environmental
    energy power electricity
    water supply supplies
    food foods meal meals
    farm farms farmer farmers agriculture
    fish fishing fishermen
    animal animals wildlife
    child children kids minors
    old elderly pensioners retirees
    young youth youngsters
    woman women female
    man men male
    family families household households
    citizen citizens people
    worker workers staff employees workforce
    union unions
    boss bosses management managers executives
    company companies firm firms business businesses
    shop shops store stores retailer retailers
    market markets trade trading
    export exports import imports
    army military troops soldiers forces
    attack attacks attacked assault strike strikes
    weapon weapons arms
    border borders frontier
    refugee refugees migrants asylum
    talks negotiations dialogue
    meeting meetings summit
    plan plans proposal proposals scheme
    report reports study survey findings
    data information figures statistics
    phone phones mobile smartphone
    app apps application
    internet online web
    computer computers software
    museum museums gallery galleries
    painting paintings artwork artworks picture pictures
    crown crowns jewels
    team teams side squad
    player players
    match matches game games
    coach manager
    stadium ground arena
    fan fans supporters
    season seasons
    club clubs
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


_KNOWN = 50_000  # words whose frequency an English table remembers


class English:
    """Word frequencies of general English (pyspellchecker's dictionary), sorted for binary search.

    Three flat buffers instead of a dictionary of 160,000 entries: an index stores them (index/store.py) and an
    engine reads them back without parsing anything (about 0.15 s and 20 MB less at every start).
    """

    def __init__(self, words: bytes, offsets: bytes, counts: bytes) -> None:
        self.words = words  # UTF-8 words in byte order, joined without separators
        self.offsets = offsets  # int32 little-endian: where each word starts (and the end)
        self.counts = counts  # int32 little-endian: each word's frequency
        self._known: dict[str, int] = {}  # words looked up lately -> frequency, -1 when absent
        if sys.byteorder == "little":
            self._at: Sequence[int] = memoryview(offsets).cast("i")
            self._count: Sequence[int] = memoryview(counts).cast("i")
        else:  # the buffers are little-endian wherever they were written
            self._at, self._count = array("i", offsets), array("i", counts)
            self._at.byteswap()
            self._count.byteswap()

    @classmethod
    def from_library(cls) -> English:
        """Read pyspellchecker's dictionary file directly (no checker object)."""
        data = (resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes()
        frequencies: dict[str, int] = json.loads(gzip.decompress(data))
        pairs = sorted((w.encode(), n) for w, n in frequencies.items())
        at = [0]
        for w, _ in pairs:
            at.append(at[-1] + len(w))
        return cls(
            b"".join(w for w, _ in pairs),
            _little(array("i", at)),
            _little(array("i", [min(n, 2**31 - 1) for _, n in pairs])),
        )

    def get(self, word: str, default: int = 0) -> int:
        """The frequency of a folded word, or `default`."""
        found = self._known.get(word)
        if found is None:
            found = self._search(word)
            if len(self._known) >= _KNOWN:  # a plain dict emptied when full: atomic reads and writes across threads
                self._known.clear()
            self._known[word] = found
        return found if found >= 0 else default

    def _search(self, word: str) -> int:
        """A binary search of the buffers (about 14 us: a question asks for the same words dozens of times)."""
        key = word.encode()
        at, words = self._at, self.words
        lo, hi = 0, len(self._count)
        while lo < hi:
            mid = (lo + hi) // 2
            if words[at[mid] : at[mid + 1]] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self._count) and words[at[lo] : at[lo + 1]] == key:
            return int(self._count[lo])
        return -1


def _little(values: array[int]) -> bytes:
    if sys.byteorder != "little":
        values.byteswap()
    return values.tobytes()


_ENGLISH: list[English] = []  # the table in use (one: every index stores the same library's)


def english() -> English:
    """The English word frequencies in use (read from the library the first time, unless an index gave them)."""
    if not _ENGLISH:
        _ENGLISH.append(English.from_library())
    return _ENGLISH[0]


def use_english(table: English | None) -> None:
    """Use an index's stored table, or read the library's now rather than during someone's first question."""
    if table is not None:
        _ENGLISH[:] = [table]
    else:
        english()


def is_english_word(word: str) -> bool:
    """Tell whether a folded word is a common English word (so not a typo to correct)."""
    return english().get(word, 0) >= 200


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
    freq = english().get(word, 0)
    if freq <= 0:
        return 1.0
    return max(0.2, min(1.0, 1.0 - math.log10(freq) / 7.0))


CALENDAR_WORDS = frozenset(
    "today tomorrow yesterday tonight morning evening night day days week weeks weekend month months year years "
    "monday tuesday wednesday thursday friday saturday sunday now time".split()
)

# Words that look ahead: passages about what comes next, and questions about the future.
FUTURE = re.compile(
    r"\b(?:will|would|could|might|may|next|later|due to|scheduled|expected|plans?|going to|upcoming|soon)\b"
)
