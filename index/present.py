"""Presentation: the decided candidates become an Answer in the shapes users like. Shape only, never a veto.

A lead-in is replaced by what it introduces, a question for a list gets the whole list, "what did X say" gets
X's quotes first (on a topic: the best passage first, then X's other words), and questions about the article
itself get its lead, its date line or its speakers. No markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from index.decide import REASONS, Model
from index.models import Answer, Hit, Passage
from index.question import Intent, Query
from index.retrieve import Candidate

if TYPE_CHECKING:
    from index.answer import Engine

MAX_CITED = 3
MAX_LISTED = 6  # items of a list shown at once; the rest come with "more"
RELATIVE = 0.5  # further passages are cited when at least this share as likely as the best
MORE_SHARE = 0.5  # "more" offers passages down to this share of the threshold


def answer(
    engine: Engine,
    q: Query,
    found: list[Candidate],
    rows: np.ndarray,
    probs: np.ndarray,
    model: Model,
    exclude: frozenset[str] = frozenset(),
) -> Answer:
    """Answer from the candidates and their probabilities, or say the article does not answer; passages in
    `exclude` (already shown) are left out of lists too."""
    if not found:
        return abstain(q, unmatched_reason(engine, q), [])
    order = sorted(range(len(found)), key=lambda n: (-probs[n], found[n].rank))
    if exclude:  # "more": a lead-in whose list was shown has been answered already
        order = [n for n in order if not _used_lead_in(engine, found[n].index, exclude)]
        if not order:
            return abstain(q, "that is all the article says about this", [])
    hits = [Hit(found[n].passage, round(float(probs[n]), 4)) for n in order]
    best = order[0]
    if probs[best] < model.threshold:
        if all(x.bm25 == 0.0 for x in found):  # only meaning brought them (index/retrieve.py _closest)
            return abstain(q, unmatched_reason(engine, q), hits[:MAX_CITED])
        return abstain(q, _reason(engine, q, model.against(rows[best])), hits[:MAX_CITED])
    top = found[best].index
    if engine.is_intro(top):
        shown = [Hit(p, hits[0].score) for p in engine.introduced(top) if p.id not in exclude]
        if shown:
            return _cite(q, shown, engine.passages[top].text, max_cited=MAX_LISTED)
    if q.intent is Intent.LIST and engine.passages[top].kind == "item":
        listed = [Hit(p, hits[0].score) for p in engine.same_list(top) if p.id not in exclude]
        if listed:
            return _cite(q, listed, engine.passages[top].lead_in or "", max_cited=MAX_LISTED)
    floor = max(model.threshold * MORE_SHARE, 0.0)
    likely = [h for h in hits if h.score >= floor]
    if q.speaker is not None and q.intent is Intent.SPEAKER:
        name = q.speaker.name
        theirs = [h for h in likely if h.passage.speaker == name]
        if not q.topic:
            # "What did X say": X's own quotes first, in the article's order, then what is reported of X.
            theirs.sort(key=lambda h: (h.passage.kind != "quote", engine.position_of(h.passage)))
        elif likely[0] not in theirs:
            theirs.insert(0, likely[0])  # on a topic: the best passage first, then the rest of X's words
        rest = [h for h in likely if h not in theirs]
        return _cite(q, [*theirs, *rest], f"What {name} said")
    cited = [likely[0]]
    cited += [h for h in likely[1:] if h.score >= RELATIVE * likely[0].score and not _same(engine, h, cited)]
    rest = [h for h in likely[1:] if h not in cited]
    return _cite(q, cited[:MAX_CITED] + rest + cited[MAX_CITED:], _lead(q, likely[0].passage))


def _used_lead_in(engine: Engine, i: int, exclude: frozenset[str]) -> bool:
    """Tell whether passage i introduces passages that have all been shown."""
    if not engine.is_intro(i):
        return False
    introduced = engine.introduced(i)
    return bool(introduced) and all(p.id in exclude for p in introduced)


def _cite(q: Query, hits: list[Hit], lead: str, *, max_cited: int = MAX_CITED) -> Answer:
    """Cite the first hits; the others wait for "more"."""
    speaker = q.speaker if q.intent is Intent.SPEAKER else None
    return Answer(
        question=q.text, answered=True, hits=tuple(hits[:max_cited]), intent=q.intent, speaker=speaker or q.speaker,
        lead=lead, more=tuple(hits[max_cited:]),
    )  # fmt: skip


def _same(engine: Engine, hit: Hit, cited: list[Hit]) -> bool:
    """Tell whether a passage nearly repeats one already cited (the same words for the most part)."""
    return any(engine.duplicate(hit.passage, c.passage) for c in cited)


def _lead(q: Query, first: Passage) -> str:
    if q.intent is Intent.WHO_SAID and first.speaker:
        return f"{first.speaker} said it"
    if first.speaker and first.kind == "quote":
        return f"{first.speaker} in the article"
    if q.intent is Intent.NEXT:
        return "What comes next"
    return "What the article says"


def _reason(engine: Engine, q: Query, against: str) -> str:
    """The refusal's reason, from the feature that counted most against answering ("" when it has nothing
    to say beyond "the article doesn't answer that")."""
    template = REASONS.get(against, "")
    if against in ("unknown_person", "absent_names", "silent_body"):
        return unmatched_reason(engine, q)
    missing = ", ".join(q.missing[:3])
    if "{missing}" in template and not missing:
        return ""
    return template.format(names=", ".join(q.absent_names), focus=" ".join(q.focus_missing), missing=missing)


def unmatched_reason(engine: Engine, q: Query) -> str:
    """Why nothing in the article matches: the first piece of the question the article lacks."""
    if q.person_unknown and q.person_slot.strip():
        return f"the article does not mention {q.person_slot.strip()}"
    if q.absent_names:
        return f"the article does not mention {', '.join(q.absent_names)}"
    body = engine.silent_body(q)
    if body:
        return f"the article does not report {body} saying anything"
    if q.missing:
        return f"the article does not mention {', '.join(q.missing[:3])}"
    return "none of the question's words occur in the article"


def abstain(q: Query, reason: str, closest: list[Hit]) -> Answer:
    """Say the article does not answer, with the closest passages for reference."""
    return Answer(
        question=q.text, answered=False, hits=tuple(closest), intent="abstain", speaker=q.speaker,
        lead="The article does not answer this", reason=reason,
    )  # fmt: skip


# -- questions about the article itself -----------------------------------------------------------------


def about(engine: Engine, q: Query, exclude: frozenset[str]) -> Answer:
    """What the article is about: its headline as the lead line, its first paragraph cited."""
    leads = [engine.passages[i] for i in engine.leads() if engine.passages[i].id not in exclude]
    if not leads:
        return abstain(q, "that is all the article's leads", [])
    first = engine.articles[leads[0].article_id]
    title = first.title if len(engine.articles) == 1 else f"{len(engine.articles)} articles"
    return _cite(q, [Hit(p, 1.0) for p in leads], title)


def published(engine: Engine, q: Query, exclude: frozenset[str]) -> Answer:
    """When the article was published: its date line."""
    lines = [p for p in engine.datelines() if p.id not in exclude]
    if not lines:
        reason = "the article gives no date" if not exclude else "that is all the article's dates"
        return abstain(q, reason, [])
    lead = "When it was published" if len(lines) == 1 else "When they were published"
    return _cite(q, [Hit(p, 1.0) for p in lines], lead)


def quoted(engine: Engine, q: Query, exclude: frozenset[str]) -> Answer:
    """Who the article quotes: each speaker's first passage, most-quoted first."""
    firsts = [p for p in engine.speakers_first_passages() if p.id not in exclude]
    if not firsts:
        return abstain(q, "the article quotes nobody" if not exclude else "that is everyone it quotes", [])
    names = list(dict.fromkeys(p.speaker for p in firsts if p.speaker))
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return _cite(q, [Hit(p, 1.0) for p in firsts], f"Quoted: {shown}", max_cited=MAX_LISTED)
