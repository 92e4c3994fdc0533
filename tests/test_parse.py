"""Parser tests: the two repo articles, our own fixture article, and layout edge cases built inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models import ParsedArticle, Passage
from index.parse import ArticleError, parse_article, read_article

ROOT = Path(__file__).resolve().parent.parent
DAVOS = ROOT / "articles" / "2026-01-22-davos-peace-talks.txt"
PORT = ROOT / "tests" / "fixtures" / "2026-03-05-port-strike.txt"
TRAM = ROOT / "tests" / "fixtures" / "2026-02-11-tram-vote.txt"

KIND_LETTER = {"paragraph": "P", "quote": "Q", "item": "I"}


def kinds(parsed: ParsedArticle) -> str:
    """Return the passage kinds as one letter each, in order: P paragraph, Q quote, I item."""
    return "".join(KIND_LETTER[p.kind] for p in parsed.passages)


def speakers_by_number(parsed: ParsedArticle) -> dict[int, str]:
    """Return the attributed passages as {number: speaker}."""
    return {p.number: p.speaker for p in parsed.passages if p.speaker}


def parse(text: str) -> ParsedArticle:
    """Parse inline article text."""
    return parse_article(text, article_id="inline", source="inline.txt")


def body(parsed: ParsedArticle) -> list[tuple[str, str | None, str]]:
    """Return (kind, speaker, text) of every passage."""
    return [(p.kind, p.speaker, p.text) for p in parsed.passages]


# -- the bundled Davos article ------------------------------------------------------------------


@pytest.fixture(scope="module")
def davos() -> ParsedArticle:
    return read_article(DAVOS)


def test_davos_article_metadata(davos: ParsedArticle) -> None:
    assert davos.article.id == "2026-01-22-davos-peace-talks"
    assert davos.article.title == (
        "Peace talks on Ukraine: leaders of Ukraine and the US meet on the sidelines of Davos"
    )
    assert davos.article.date == "2026-01-22 01:59"
    assert davos.article.tags == ("USA", "UKRAINE")
    assert davos.article.source == "2026-01-22-davos-peace-talks.txt"


def test_davos_passage_kinds_and_numbers(davos: ParsedArticle) -> None:
    assert kinds(davos) == "PPQPQPIIIIQPPQPQPPIIIQPPP"
    assert [p.number for p in davos.passages] == list(range(1, 26))
    assert all(p.article_id == davos.article.id for p in davos.passages)
    assert davos.passages[0].id == "2026-01-22-davos-peace-talks#1"


def test_davos_quote_lines_attributed(davos: ParsedArticle) -> None:
    quotes = {p.number: p.speaker for p in davos.passages if p.kind == "quote"}
    assert quotes == {
        3: "Donald Trump",
        5: "Steve Witkoff",
        11: "Volodymyr Zelensky",
        14: "Mark Rutte",
        16: "Volodymyr Zelensky",
        22: "Donald Trump",
    }
    rutte = davos.passages[13]
    assert rutte.text == (
        "We must continue to support Ukraine and keep the focus on its security. "
        "Peace is important, but it must not be achieved at the cost of its future."
    )


def test_davos_quote_text_loses_its_marks_and_name(davos: ParsedArticle) -> None:
    for p in davos.passages:
        if p.kind == "quote":
            assert not p.text.startswith(("“", '"')), p
            assert p.speaker and not p.text.startswith(p.speaker.split()[-1]), p


def test_davos_reported_speech_attributed(davos: ParsedArticle) -> None:
    reported = {p.number: p.speaker for p in davos.passages if p.kind == "paragraph" and p.speaker}
    assert reported == {2: "Donald Trump", 4: "Steve Witkoff", 24: "Steve Witkoff"}


def test_davos_lists_with_lead_in(davos: ParsedArticle) -> None:
    items = [p for p in davos.passages if p.kind == "item"]
    assert [(p.number, p.list_number) for p in items] == [(7, 1), (8, 1), (9, 1), (10, 1), (19, 2), (20, 2), (21, 2)]
    assert {p.lead_in for p in items if p.list_number == 1} == {davos.passages[5].text}
    assert davos.passages[5].text.endswith("Experts name several most likely problematic topics:")
    assert {p.lead_in for p in items if p.list_number == 2} == {
        "The United States is interested in ending the war for several reasons:"
    }
    assert items[0].text == "The territorial status of disputed regions and the mechanism of control over them."
    assert all(p.speaker is None for p in items)


def test_davos_list_followed_by_quote_line_without_blank(davos: ParsedArticle) -> None:
    after_first, after_second = davos.passages[10], davos.passages[21]
    assert (after_first.kind, after_first.speaker, after_first.list_number) == ("quote", "Volodymyr Zelensky", None)
    assert (after_second.kind, after_second.speaker, after_second.list_number) == ("quote", "Donald Trump", None)
    assert after_second.text.startswith("America must be at the center of peace.")


def test_davos_speakers(davos: ParsedArticle) -> None:
    got = {s.name: (s.roles, s.aliases) for s in davos.speakers}
    assert got == {
        "Donald Trump": (("US President",), ("Donald Trump", "Trump", "US President")),
        "Steve Witkoff": (("US Special Envoy",), ("Steve Witkoff", "Witkoff", "US Special Envoy")),
        "Volodymyr Zelensky": (("Ukrainian President",), ("Volodymyr Zelensky", "Zelensky", "Ukrainian President")),
        "Mark Rutte": (("Secretary General of NATO",), ("Mark Rutte", "Rutte", "Secretary General of NATO")),
    }
    assert all(s.article_id == davos.article.id for s in davos.speakers)


# -- the port-strike fixture --------------------------------------------------------------------


@pytest.fixture(scope="module")
def port() -> ParsedArticle:
    return read_article(PORT)


def test_port_article_metadata(port: ParsedArticle) -> None:
    assert port.article.title == (
        "Dockers strike paralyses the port of Brakkenhaven as talks with the port authority stall"
    )
    assert port.article.date == "2026-03-05 18:42"
    assert port.article.tags == ("ECONOMY", "STRIKE")


def test_port_passages(port: ParsedArticle) -> None:
    assert kinds(port) == "PPQPIIIIQPQPQPIIIPP"
    assert speakers_by_number(port) == {
        2: "Elin Haverkamp",
        3: "Elin Haverkamp",
        9: "Elin Haverkamp",
        10: "Pieter Vandermolen",
        11: "Pieter Vandermolen",
        13: "Marco Deltrani",
    }


def test_port_inline_quote_after_said_x(port: ParsedArticle) -> None:
    deltrani = port.passages[12]
    assert deltrani.kind == "quote"
    assert deltrani.speaker == "Marco Deltrani"
    assert "Shipping lines have short memories for loyalty" in deltrani.text


def test_port_lists(port: ParsedArticle) -> None:
    items = [(p.number, p.list_number, p.lead_in) for p in port.passages if p.kind == "item"]
    demands = "The union’s leadership has set out four demands:"
    effects = "Businesses across the region are already feeling the effects of the stoppage:"
    assert items == [(n, 1, demands) for n in (5, 6, 7, 8)] + [(n, 2, effects) for n in (15, 16, 17)]
    # The quote line glued to the end of the first list is a quote, not a fifth demand.
    assert (port.passages[8].kind, port.passages[8].speaker) == ("quote", "Elin Haverkamp")


def test_port_speakers(port: ParsedArticle) -> None:
    got = {s.name: (s.roles, s.aliases) for s in port.speakers}
    assert got["Pieter Vandermolen"] == (
        ("director of the Brakkenhaven Port Authority",),
        ("Pieter Vandermolen", "Vandermolen", "director of the Brakkenhaven Port Authority"),
    )
    assert got["Marco Deltrani"] == (("analyst",), ("Marco Deltrani", "Deltrani", "analyst"))
    haverkamp_roles, haverkamp_aliases = got["Elin Haverkamp"]
    assert set(haverkamp_roles) == {"Chair of the Brakkenhaven Dockworkers Union", "Union leader"}
    assert {"Elin Haverkamp", "Haverkamp"} <= set(haverkamp_aliases)
    assert set(got) == {"Elin Haverkamp", "Pieter Vandermolen", "Marco Deltrani"}


# -- our own fixture: the Lindqvarn tram vote ---------------------------------------------------


@pytest.fixture(scope="module")
def tram() -> ParsedArticle:
    return read_article(TRAM)


def test_tram_metadata(tram: ParsedArticle) -> None:
    assert tram.article.id == "2026-02-11-tram-vote"
    assert tram.article.title.startswith("Lindqvarn council approves a tram line")
    assert tram.article.date == "2026-02-11 22:15"
    assert tram.article.tags == ("LINDQVARN", "TRANSPORT")


def test_tram_passages(tram: ParsedArticle) -> None:
    assert kinds(tram) == "PPQPIIIIQPQPPQQPPQP"
    assert speakers_by_number(tram) == {
        2: "Ingrid Castellane",
        3: "Ingrid Castellane",
        9: "Tomas Achterberg",
        10: "Tomas Achterberg",
        11: "Hanna Feldkamp",
        12: "Hanna Feldkamp",
        13: "Oren Vasquez",
        14: "Oren Vasquez",
        15: "Oren Vasquez",
        16: "Oren Vasquez",
        17: "Ingrid Castellane",
        18: "Hanna Feldkamp",
    }


def test_tram_statement_paragraphs(tram: ParsedArticle) -> None:
    """An intro "said in a statement:" then two quote paragraphs, the first left open."""
    intro, first, second = tram.passages[12:15]
    assert intro.text.endswith("said in a statement:")
    assert first.text == (
        "The old town was built for people on foot, not for forty thousand cars a day. "
        "Air quality on Market Street has been above the legal limit on more than ninety days a year."
    )
    assert second.text.startswith("The tram will carry up to 9,000 passengers an hour")
    assert second.text.endswith("no street is closed for more than four months.")


def test_tram_list_then_quote_line(tram: ParsedArticle) -> None:
    items = [p for p in tram.passages if p.kind == "item"]
    assert [p.number for p in items] == [5, 6, 7, 8]
    assert {p.lead_in for p in items} == {"The plan approved by the council includes four main measures:"}
    assert tram.passages[8].text.startswith("The mayor is spending money the city does not have")


def test_tram_speakers(tram: ParsedArticle) -> None:
    got = {s.name: s for s in tram.speakers}
    assert set(got) == {"Ingrid Castellane", "Tomas Achterberg", "Hanna Feldkamp", "Oren Vasquez"}
    assert got["Ingrid Castellane"].roles == ("Mayor",)
    assert got["Tomas Achterberg"].roles == ("leader of the opposition Civic Party",)
    assert got["Oren Vasquez"].roles == ("Chief planner",)
    assert "chair of the Lindqvarn Retailers Association" in got["Hanna Feldkamp"].roles[0]
    for s in got.values():
        assert s.aliases[:2] == (s.name, s.name.split()[-1])


# -- numbering is stable ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [DAVOS, PORT, TRAM], ids=lambda p: p.stem)
def test_numbering_is_stable(path: Path) -> None:
    first, second = read_article(path), read_article(path)
    assert first == second
    text = path.read_text(encoding="utf-8")
    # Extra blank lines and trailing spaces move no passage number.
    loose = parse_article(
        text.replace("\n\n", "\n\n\n").replace(".\n", ".   \n"), article_id=first.article.id, source=path.name
    )
    assert loose.passages == first.passages


@pytest.mark.parametrize("path", [DAVOS, PORT, TRAM], ids=lambda p: p.stem)
def test_crlf_bom_and_tabs_parse_like_the_original(path: Path) -> None:
    original = read_article(path)
    text = path.read_text(encoding="utf-8")
    variant = "\ufeff" + text.replace("\n    ", "\n\t").replace("\n", "\r\n")
    parsed = parse_article(variant, article_id=original.article.id, source=path.name)
    assert parsed == original


# -- edge cases built inline --------------------------------------------------------------------


def test_inline_quote_said_x_the_role() -> None:
    parsed = parse(
        "Derby ends in a draw\n\n"
        "    “We created enough chances to win two matches, but football does not reward chances,” said "
        "Joan Maravilla, the club captain.\n"
    )
    (p,) = parsed.passages
    assert (p.kind, p.speaker) == ("quote", "Joan Maravilla")
    assert "football does not reward chances" in p.text
    (sp,) = parsed.speakers
    assert sp.name == "Joan Maravilla"
    assert "club captain" in sp.roles[0]
    assert "Maravilla" in sp.aliases


def test_short_inline_quote_stays_a_paragraph_with_its_speaker() -> None:
    parsed = parse("Derby\n\n    “We will win,” said Joan Maravilla, the club captain.\n")
    assert body(parsed) == [("paragraph", "Joan Maravilla", "“We will win,” said Joan Maravilla, the club captain.")]


def test_x_said_that_quote() -> None:
    parsed = parse(
        "Title\n\n    Coach Pedro Alcantara said that “the team has given everything this season and deserves "
        "the title”.\n"
    )
    (p,) = parsed.passages
    assert (p.kind, p.speaker) == ("quote", "Pedro Alcantara")
    assert parsed.speakers[0].roles == ("Coach",)


def test_statement_attributed_in_paragraph_before() -> None:
    parsed = parse(
        "Club statement\n\n"
        "    Pedro Alcantara, the club coach, said in a statement:\n\n"
        "    “The first paragraph of the statement is left open, as newspapers do.\n\n"
        "    “The second paragraph closes it.”\n\n"
        "    Fans gathered outside the stadium.\n"
    )
    assert body(parsed) == [
        ("paragraph", "Pedro Alcantara", "Pedro Alcantara, the club coach, said in a statement:"),
        ("quote", "Pedro Alcantara", "The first paragraph of the statement is left open, as newspapers do."),
        ("quote", "Pedro Alcantara", "The second paragraph closes it."),
        ("paragraph", None, "Fans gathered outside the stadium."),
    ]


def test_statement_of_one_paragraph() -> None:
    parsed = parse(
        "Title\n\n    Maria Okafor, the minister, said in a statement:\n\n"
        "    “We will publish the full report next week.”\n"
    )
    assert body(parsed)[1] == ("quote", "Maria Okafor", "We will publish the full report next week.")


def test_quote_paragraph_without_intro_is_not_attributed() -> None:
    parsed = parse("Title\n\n    The weather was fine.\n\n    “Nobody knows who said this.”\n")
    assert [p.speaker for p in parsed.passages] == [None, None]


def test_list_followed_directly_by_quote_line() -> None:
    parsed = parse(
        "Title\n\n    The club has two aims:\n\n"
        "    • Win the league.\n"
        "    • Keep the coach.\n"
        "    Pedro Alcantara, Coach: “We want both, and we will get them”.\n"
    )
    assert [(p.kind, p.list_number, p.lead_in) for p in parsed.passages] == [
        ("paragraph", None, None),
        ("item", 1, "The club has two aims:"),
        ("item", 1, "The club has two aims:"),
        ("quote", None, None),
    ]
    assert parsed.passages[3].speaker == "Pedro Alcantara"
    assert parsed.passages[3].text == "We want both, and we will get them."
    assert parsed.speakers[0].roles == ("Coach",)


def test_two_lists_are_numbered_apart() -> None:
    parsed = parse("Title\n\n    First:\n\n    • a one\n    • a two\n\n    Second:\n\n    • b one\n")
    assert [(p.text, p.list_number, p.lead_in) for p in parsed.passages if p.kind == "item"] == [
        ("a one", 1, "First:"),
        ("a two", 1, "First:"),
        ("b one", 2, "Second:"),
    ]


def test_no_date_and_no_hashtags() -> None:
    parsed = parse("Title\n\n    Only one paragraph.\n")
    assert (parsed.article.title, parsed.article.date, parsed.article.tags) == ("Title", None, ())
    assert body(parsed) == [("paragraph", None, "Only one paragraph.")]


def test_date_without_time_and_tags_on_one_line() -> None:
    parsed = parse("Title\n\n    Text.\n\n    #ONE #TWO\n    #ONE\n\n    01.02.2026\n")
    assert (parsed.article.date, parsed.article.tags) == ("2026-02-01", ("ONE", "TWO"))
    assert len(parsed.passages) == 1


def test_crlf_bom_tabs_and_straight_quotes() -> None:
    text = (
        "\ufeffTitle here\r\n\r\n"
        "\tThe minister spoke in the morning.\r\n\r\n"
        '\tMaria Okafor, Minister of Health: "We will open two new hospitals next year".\r\n\r\n'
        "\t01.02.2026 10:00\r\n"
    )
    parsed = parse(text)
    assert parsed.article.title == "Title here"
    assert parsed.article.date == "2026-02-01 10:00"
    assert body(parsed) == [
        ("paragraph", None, "The minister spoke in the morning."),
        ("quote", "Maria Okafor", "We will open two new hospitals next year."),
    ]
    assert parsed.speakers[0].roles == ("Minister of Health",)
    assert all("\r" not in p.text and "\t" not in p.text for p in parsed.passages)


def test_straight_quotes_inline() -> None:
    parsed = parse(
        'Title\n\n    "We created enough chances to win two matches, but football does not reward chances," said '
        "Joan Maravilla, the club captain.\n"
    )
    (p,) = parsed.passages
    assert (p.kind, p.speaker) == ("quote", "Joan Maravilla")
    assert '"' not in p.text


def test_hard_wrapped_lines_join_their_paragraph() -> None:
    parsed = parse(
        "Title\n\n    The council met on Monday\nand voted on the budget\nafter a long debate.\n\n    Next.\n"
    )
    assert [p.text for p in parsed.passages] == [
        "The council met on Monday and voted on the budget after a long debate.",
        "Next.",
    ]


def test_indented_hard_wrapped_lines_join_their_paragraph() -> None:
    parsed = parse("Title\n\n    The council met on Monday\n    and voted on the budget\n    after a long debate.\n")
    assert [p.text for p in parsed.passages] == [
        "The council met on Monday and voted on the budget after a long debate."
    ]


def test_x_said_colon_quote() -> None:
    parsed = parse("Title\n\n    Pedro Alcantara said: “We will win the league this year, you will see”.\n")
    assert [s.name for s in parsed.speakers] == ["Pedro Alcantara"]
    assert parsed.passages[0].speaker == "Pedro Alcantara"


def test_pronoun_and_according_to() -> None:
    parsed = parse(
        "Title\n\n    The coach, Pedro Alcantara, said the players were tired.\n\n"
        "    According to Alcantara, the club needs new players.\n\n    He added that the board agreed.\n"
    )
    assert [p.speaker for p in parsed.passages] == ["Pedro Alcantara"] * 3
    assert parsed.speakers[0].roles == ("coach",)


def test_names_inside_quotes_are_not_speakers() -> None:
    parsed = parse("Title\n\n    Maria Okafor: “I spoke with Henrik Lund yesterday and we agreed on everything”.\n")
    assert [s.name for s in parsed.speakers] == ["Maria Okafor"]


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n\t\n", "\ufeff"], ids=["empty", "blank", "bom-only"])
def test_empty_text_raises(text: str) -> None:
    with pytest.raises(ArticleError) as err:
        parse_article(text, article_id="empty", source="empty.txt")
    message = str(err.value)
    assert message.startswith("empty.txt: ")
    assert "\n" not in message
    assert err.value.source == "empty.txt"


@pytest.mark.parametrize(
    "text", ["Just a headline\n", "Headline\n\n#TAG\n\n01.01.2026 10:00\n"], ids=["headline", "headline-tags-date"]
)
def test_headline_only_raises(text: str) -> None:
    with pytest.raises(ArticleError, match=r"^only\.txt: .*body") as err:
        parse_article(text, article_id="only", source="only.txt")
    assert "\n" not in str(err.value)


def test_read_article_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-01-empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ArticleError) as err:
        read_article(path)
    assert "2026-01-01-empty.txt" in str(err.value)
    assert "\n" not in str(err.value)


def test_read_article_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Überschrift\n\n    Straße und Café.\n".encode("latin-1"))
    with pytest.raises(ArticleError) as err:
        read_article(path)
    message = str(err.value)
    assert str(path) in message
    assert "UTF-8" in message
    assert "\n" not in message


def test_read_article_binary(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(b"Title\n\n    text\x00\x00\x00\n")
    with pytest.raises(ArticleError, match=r"binary\.txt"):
        read_article(path)


def test_read_article_missing(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"nothere\.txt"):
        read_article(tmp_path / "nothere.txt")


def test_read_article_uses_file_stem_as_id(tmp_path: Path) -> None:
    path = tmp_path / "2026-02-02-short.txt"
    path.write_text("\ufeffShort\n\n    A paragraph.\n", encoding="utf-8")
    parsed = read_article(path)
    assert (parsed.article.id, parsed.article.source, parsed.article.title) == (
        "2026-02-02-short",
        "2026-02-02-short.txt",
        "Short",
    )
    assert parsed.passages == (Passage("2026-02-02-short", 1, "paragraph", "A paragraph."),)
