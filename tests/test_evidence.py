"""Evidence checks on a small article: figures that count what "how many" asks about."""

from __future__ import annotations

import pytest
from conftest import engine_from_text

from index.answer import Engine
from index.evidence import Measure, counts_the_noun

ARTICLE = """Harbour strike spreads to the northern docks

    About 3,200 dock workers walked out at the northern docks on Monday, the union said.

    Turnout in the strike ballot was 81 percent of the union's members, and twelve cranes stood idle.

    The port authority said it would publish its own figures for the strike next week.
"""


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return engine_from_text(tmp_path_factory, "2026-03-02-harbour-strike.txt", ARTICLE)


def test_a_number_with_thousands_separators_counts_the_compound(harbour: Engine) -> None:
    """ "3,200 dock workers" counts "dockers": the whole number is skipped, not only its first digit."""
    q = harbour.analyser.analyse("How many dockers walked out?")
    text = harbour.passages[0].text
    assert counts_the_noun(q, text, "docker")
    assert not counts_the_noun(q, harbour.passages[1].text, "docker")  # 81 percent is a share, not a count


def test_counts_what_follows_a_number_word(harbour: Engine) -> None:
    q = harbour.analyser.analyse("How many cranes stood idle?")
    assert counts_the_noun(q, harbour.passages[1].text, "crane")
    assert not counts_the_noun(q, harbour.passages[0].text, "crane")


def test_measure_needs_a_figure_in_a_sentence_about_the_question(harbour: Engine) -> None:
    q = harbour.analyser.analyse("How many dock workers walked out?")
    measure = Measure(q)
    assert measure.given_by(harbour.passages[0].text)
    assert not measure.given_by(harbour.passages[2].text)  # about the strike, but gives no figure


def test_how_many_answers_with_the_count(harbour: Engine) -> None:
    answer = harbour.answer("How many dockers walked out?")
    assert answer.answered
    assert "3,200" in answer.hits[0].passage.text
