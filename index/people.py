"""People in an article: finding names, their roles, and resolving how a question names them.

General English knowledge only: role nouns, titles, reporting verbs, organisation words.
Every name, role and alias comes from the article text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from index.text import COUNTRY_FORMS, fold, stem, words

TITLES = frozenset("dr dr. mr mr. mrs mrs. ms ms. prof prof. sir dame lord lady rev st".split())

# Role head nouns (lower-case, singular). Multi-word roles are matched on their last word.
ROLE_NOUNS = frozenset(
    """
    president vice-president premier minister chancellor secretary envoy ambassador diplomat
    spokesman spokeswoman spokesperson director chief head leader chair chairman chairwoman
    chairperson ceo executive founder owner manager judge justice magistrate lawyer attorney
    counsel prosecutor solicitor barrister advocate analyst expert economist scientist engineer
    researcher professor doctor physician nurse commissioner governor mayor senator congressman
    congresswoman lawmaker legislator official officer general admiral commander colonel captain
    editor reporter correspondent journalist adviser advisor consultant strategist negotiator
    mediator representative delegate activist author historian teacher coach player astronaut
    pilot inspector auditor treasurer economist banker investor trader farmer resident witness
    victim survivor king queen prince princess pope bishop archbishop imam rabbi priest
    deputy member boss organiser organizer campaigner lobbyist regulator ombudsman supervisor
    superintendent sheriff detective constable marshal mp mep candidate nominee councillor
    councilor alderman speaker whip geologist biologist physicist chemist astronomer technician
    operator worker docker steward planner architect designer developer programmer specialist
    coordinator administrator principal dean rector chancellor provost fellow student
    businessman businesswoman entrepreneur forecaster firefighter paramedic surgeon midwife nurse
    governor owner investor manager coach referee striker goalkeeper midfielder defender supporter
    sergeant lieutenant inspector superintendent commissioner ranger warden trustee treasurer
    guard curator archivist librarian pharmacist farmer fisherman miner driver pilot soldier officer
    volunteer organiser worker employee staffer clerk secretary assistant aide publisher critic
    novelist writer poet translator artist actor actress singer musician composer photographer
    bookseller passenger customer neighbour neighbor parent mother father shopkeeper landlord tenant
    receptionist cashier waiter chef baker butcher plumber electrician mechanic
    """.split()
)

# Words that mark a capitalised phrase as an organisation or place, not a person.
ORG_WORDS = frozenset(
    """
    union authority agency court ministry council commission committee networks network holdings
    group bank forum company corporation corp inc ltd llc plc association party government office
    department university institute institution organisation organization foundation federation
    fund board parliament assembly senate congress house police army navy force forces service
    services club league team school college hospital centre center museum church airline airlines
    port city republic kingdom state states nations watch crater river lake mountain mountains
    island islands sea ocean bay valley street square airport station vehicle rover mission
    maritime partners systems technologies industries media times news post journal press
    cup games festival summit conference exchange market markets capital region province county
    pharma pharmaceuticals chemicals chemical labs laboratories motors energy oil gas foods ventures
    solutions logistics software telecom telecoms insurance trust fc united athletic rovers wanderers
    airways railways rail shipping steel mining brewery bakery hotel hotels resort records studios
    agency bureau commission tribunal council museum gallery library theatre orchestra research
    cities towns associates consulting consultancy analytics capital partners
    """.split()
)

REPORTING_VERBS = frozenset(
    """
    said says say stated states told tells added adds explained explains warned warns argued argues
    noted notes insisted insists claimed claims emphasized emphasised emphasizes emphasises stressed
    stresses announced announces admitted admits accused accuses urged urges replied replies
    answered commented comments confirmed confirms denied denies acknowledged acknowledges declared
    declares wrote writes promised promises vowed vows suggested suggests predicted predicts
    believes believed thinks thought estimated estimates called calls described describes
    recalled recalls revealed reveals insisted asserted asserts maintained maintains conceded
    welcomed welcomes praised praises criticised criticized criticises criticizes condemned condemns
    defended defends questioned questions hailed hails dismissed dismisses pledged pledges
    concedes complained complains countered counters responded responds pointed observed
    observes remarked remarks reported reports testified testifies threatened threatens
    """.split()
)

# Role synonyms for resolving how a question names someone (general English).
ROLE_SYNONYMS: tuple[frozenset[str], ...] = (
    frozenset("chief head boss leader director chair chairman chairwoman chairperson president ceo "
              "executive secretary-general manager governor".split()),
    frozenset("envoy ambassador emissary representative negotiator diplomat delegate".split()),
    frozenset("lawyer attorney counsel solicitor barrister advocate".split()),
    frozenset("judge justice magistrate".split()),
    frozenset("scientist researcher expert".split()),
    frozenset("analyst expert economist commentator strategist".split()),
    frozenset("spokesman spokeswoman spokesperson".split()),
    frozenset("minister secretary".split()),
    frozenset("adviser advisor consultant".split()),
    frozenset("doctor physician dr".split()),
    frozenset("commissioner regulator ombudsman".split()),
    frozenset("reporter journalist correspondent".split()),
)  # fmt: skip

# Upper-case letters of Latin, Greek and Cyrillic scripts ("Łukasz", "Åse", "Ödön", "Σοφία", "Юлия").
UPPER = "A-Z" + "".join(
    chr(c) for c in [*range(0xC0, 0x250), *range(0x370, 0x530), *range(0x1E00, 0x1F00)] if chr(c).isupper()
)
_NAME_TOKEN = rf"(?:[{UPPER}][a-z]?\.|[{UPPER}][\w'\u2019]*(?:-[{UPPER}][\w'\u2019]*)*)"
_PARTICLE = r"(?:van|von|der|de|del|della|da|di|du|la|le|bin|al|ibn|ten|ter|Ní|Nic|Ó|Ua|Mac|Mc)"
# A run of capitalised words, allowing name particles inside.
CAP_RUN = re.compile(rf"{_NAME_TOKEN}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_TOKEN})*")


@dataclass
class Person:
    """A person being collected from the text; frozen into a Speaker by the parser."""

    name: str
    roles: list[str]
    organisation: bool = False  # a body that issues statements ("Datalinq said in a statement:")

    @property
    def surname(self) -> str:
        """Return the family name: the last word with the particles before it ("von der Leyen")."""
        if self.organisation:
            return self.name
        tokens = self.name.split()
        start = len(tokens) - 1
        while start > 1 and re.fullmatch(_PARTICLE, tokens[start - 1]):
            start -= 1
        return " ".join(tokens[start:])


_ROLE_SHAPE = re.compile(r"[a-z]{3,}(?:ologist|ist|ician|man|woman|person)")
_NOT_ROLES = frozenset("assist consist exist insist persist resist subsist twist human roman german woman man".split())


def is_role(word: str) -> bool:
    """Tell whether a folded word names a role: a known role noun, or one by its shape
    ("meteorologist", "businessman", "statistician")."""
    word = word.strip(".,")
    return word in ROLE_NOUNS or (bool(_ROLE_SHAPE.fullmatch(word)) and word not in _NOT_ROLES)


def _role_word(token: str) -> bool:
    t = fold(token).strip(".,")
    return is_role(t) or t in TITLES or t in {"special", "presiding", "deputy", "acting", "vice"}


def _is_qualifier(token: str) -> bool:
    """A capitalised word that qualifies a role rather than naming a person (US, NATO, Ukrainian)."""
    t = fold(token)
    return token.isupper() or t in COUNTRY_FORMS


def split_name(run: str) -> tuple[str, str] | None:
    """Split a capitalised run into (role prefix, person name), or None if it names no person.

    "US Special Envoy Steve Witkoff" -> ("US Special Envoy", "Steve Witkoff").
    """
    tokens = run.split()
    start = 0
    while start < len(tokens) and (_role_word(tokens[start]) or _is_qualifier(tokens[start])):
        start += 1
    # "Health Minister Łucja Wiśniewska": everything up to the last role word is the role.
    last_role = max((i for i, t in enumerate(tokens[:-1]) if _role_word(t)), default=-1)
    start = max(start, last_role + 1)
    name_tokens = tokens[start:]
    if not 2 <= len(name_tokens) <= 5 or not 2 <= len([t for t in name_tokens if t[0].isupper()]) <= 4:
        return None
    if any(not t[0].isupper() and not re.fullmatch(_PARTICLE, t) for t in name_tokens):
        return None
    if any(fold(t).strip(".,") in ORG_WORDS for t in name_tokens):
        return None
    if any(t.isupper() and len(t) > 1 for t in name_tokens):
        return None
    if any(fold(t) in COUNTRY_FORMS for t in name_tokens):
        return None
    return " ".join(tokens[:start]), " ".join(name_tokens)


def similar(a: str, b: str, *, shortest: int = 5) -> bool:
    """Tell whether two folded words are the same up to a typo (length-aware edit distance)."""
    if a == b:
        return True
    n = min(len(a), len(b))
    if n < shortest:
        return False
    limit = 1 if n < 8 else 2
    return bool(DamerauLevenshtein.distance(a, b, score_cutoff=limit) <= limit)


def similar_name(a: str, b: str) -> bool:
    """Tell whether a folded word is a misspelling of a name: one edit from 4 letters, two from 6.

    Names are rare words, so a looser match than for ordinary words is safe ("ibbara" for "ibarra").
    """
    if a == b:
        return True
    n = min(len(a), len(b))
    if n < 4 or abs(len(a) - len(b)) > 2:
        return False
    limit = 1 if n < 6 else 2
    return bool(DamerauLevenshtein.distance(a, b, score_cutoff=limit) <= limit)


def role_head(role: str) -> str:
    """Return the head noun of a role phrase: "chief scientist" -> scientist, "Secretary General of
    NATO" -> secretary-general, "director of the Port Authority" -> director."""
    ws = [w for w in words(role) if w not in {"the", "a", "an", "s"}]
    if "of" in ws:
        ws = ws[: ws.index("of")]
    joined = " ".join(ws)
    if "secretary general" in joined or "secretary-general" in joined:
        return "secretary-general"
    nouns = [w for w in ws if is_role(w)]
    return nouns[-1] if nouns else ""


def role_qualifiers(role: str) -> set[str]:
    """Return the content stems of a role phrase other than its role nouns (NATO, port, union...)."""
    return {
        stem(w)
        for w in words(role)
        if w not in {"the", "of", "a", "an", "s", "and", "for", "in", "at", "general", "secretary"}
        and w != role_head(role)
    }


def expand_role_word(word: str) -> set[str]:
    """Return a role noun with its general-English synonyms."""
    out = {word}
    for group in ROLE_SYNONYMS:
        if word in group:
            out |= group
    return out
