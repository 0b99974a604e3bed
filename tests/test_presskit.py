"""The press-kit reader on the seed, the two sample records, label variants and bad input."""

from __future__ import annotations

import datetime
import hashlib
import pathlib

import pytest

from filmgraph.errors import InputError
from filmgraph.readers import read_file
from filmgraph.readers.presskit import read_presskit, title_case as _title_case
from filmgraph.record import (
    CastMember,
    Certificate,
    CrewMember,
    Character,
    Distributor,
    Note,
    RelatedFilm,
    Release,
    Runtime,
    SeriesRef,
)

RECORDS = pathlib.Path(__file__).parents[1] / "records"
FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "presskit"
SEED = RECORDS / "pusher-ii-2004.txt"
REFN = "Nicolas Winding Refn"
TRILOGY = "The Pusher Trilogy"


def _read(path: pathlib.Path):
    records, warnings = read_presskit(str(path))
    assert len(records) == 1
    return records[0], warnings


@pytest.fixture(scope="module")
def seed():
    return _read(SEED)


# ---------------------------------------------------------------- the seed


def test_seed_title_and_year(seed):
    record, _ = seed
    assert record.title == "Pusher II: With Blood on My Hands"
    assert record.year == 2004
    assert record.lines["year"] == 1
    assert record.lines["title"] == 18


def test_seed_source(seed):
    record, _ = seed
    assert record.source.path == str(SEED)
    assert record.source.kind == "presskit"
    assert record.source.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_seed_directors_and_writers(seed):
    record, _ = seed
    assert record.directors == [REFN]
    assert record.writers == [REFN]
    assert record.lines["directors"] == 5
    assert record.lines["writers"] == 18


def test_seed_cast_in_billing_order(seed):
    record, _ = seed
    assert len(record.cast) == 15
    assert [m.billing for m in record.cast] == list(range(1, 16))
    assert record.cast[0] == CastMember("Mads Mikkelsen", 1, "Tonny")
    assert record.cast[8].actor == "Zlatko Buric"
    assert record.cast[-1] == CastMember("Jean Pierre Peuleve", 15)
    assert all(m.character is None for m in record.cast[1:])
    assert record.lines["cast"] == 4
    assert all(record.lines[f"cast[{i}]"] == 4 for i in range(15))


def test_seed_characters(seed):
    record, _ = seed
    assert record.characters == [
        Character("Tonny", played_by="Mads Mikkelsen"),
        Character("Smeden", aliases=["the Duke"]),
    ]
    assert record.lines["characters[0]"] == 20
    assert record.lines["characters[1]"] == 20


def test_seed_countries_and_languages(seed):
    record, _ = seed
    assert record.countries == ["DK", "GB"]
    assert record.languages == ["da"]
    assert record.subtitles == ["en"]
    assert record.lines["countries"] == 6
    assert record.lines["languages"] == 7


def test_seed_runtime(seed):
    record, _ = seed
    assert record.runtimes == [Runtime(96, ["US", "GB"])]
    assert record.lines["runtimes[0]"] == 8


def test_seed_certificate(seed):
    record, _ = seed
    assert record.certificates == [
        Certificate("GB", "18", "contains very strong sex and language, strong violence and drug use", "BBFC")
    ]
    assert record.lines["certificates[0]"] == 9


def test_seed_releases(seed):
    record, _ = seed
    assert record.releases == [
        Release("US", "cinema", datetime.date(2006, 8, 18), limited=True, city="New York"),
        Release("GB", "cinema", datetime.date(2005, 9, 16)),
        Release("US", "dvd", None, box_set=TRILOGY),
        Release("GB", "dvd", datetime.date(2006, 6, 12), box_set=TRILOGY),
    ]
    assert [record.lines[f"releases[{i}]"] for i in range(4)] == [10, 11, 12, 13]


def test_seed_distributors(seed):
    record, _ = seed
    assert record.distributors == [Distributor("US", "Magnolia Films"), Distributor("GB", "Vertigo Films")]
    assert record.lines["distributors[0]"] == 2
    assert record.lines["distributors[1]"] == 3


def test_seed_series(seed):
    record, _ = seed
    assert record.series == SeriesRef("Pusher", 2)
    assert "series" in record.lines


def test_seed_related_films(seed):
    record, _ = seed
    assert record.related_films == [
        RelatedFilm("Pusher", 1996, [REFN], SeriesRef("Pusher", 1)),
        RelatedFilm("Bleeder", 1999, [REFN]),
        RelatedFilm("Fear X", 2003, [REFN]),
        RelatedFilm("Pusher III: I'm the Angel of Death", 2005, [REFN], SeriesRef("Pusher", 3)),
    ]
    assert all(record.lines[f"related_films[{i}]"] == 18 for i in range(4))


def test_seed_unplaced_lines_are_notes_and_warnings(seed):
    record, warnings = seed
    # The seed's header runs from line 1; `US Distributor` and `(in Danish)` are its lines 14 and 15.
    assert record.notes == [Note("US Distributor", 14), Note("(in Danish)", 15)]
    assert [(w.path, w.line) for w in warnings] == [(str(SEED), 14), (str(SEED), 15)]
    assert "US Distributor" in warnings[0].message
    assert "(in Danish)" in warnings[1].message
    assert str(warnings[0]).startswith(f"{SEED}:14: ")


def test_data_argument_is_used_instead_of_the_file():
    data = SEED.read_bytes()
    records, _ = read_presskit("elsewhere/kit.txt", data)
    assert records[0].title == "Pusher II: With Blood on My Hands"
    assert records[0].source.path == "elsewhere/kit.txt"
    assert records[0].source.sha256 == hashlib.sha256(data).hexdigest()


def test_reader_registry_reads_the_seed():
    result = read_file(str(SEED))
    assert [r.title for r in result.records] == ["Pusher II: With Blood on My Hands"]
    assert len(result.warnings) == 2


# ---------------------------------------------------------------- the two sample records


def test_pusher_1996():
    record, warnings = _read(RECORDS / "pusher-1996.txt")
    assert warnings == []
    assert record.title == "Pusher"
    assert record.year == 1996
    assert record.directors == [REFN]
    assert record.writers == [REFN, "Jens Dahl"]
    assert record.series == SeriesRef("Pusher", 1)
    assert record.countries == ["DK"]
    assert (record.languages, record.subtitles) == (["da"], ["en"])
    assert record.runtimes == [Runtime(106)]
    assert record.certificates == [Certificate("GB", "18", None, "BBFC")]
    assert record.releases == [Release("GB", "dvd", datetime.date(2006, 6, 12), box_set=TRILOGY)]
    assert [m.actor for m in record.cast[:7]] == [
        "Kim Bodnia", "Zlatko Burić", "Laura Drasbæk", "Slavko Labović", "Mads Mikkelsen", "Peter Andersson",
        "Vanja Bajičić",
    ]
    by_actor = {m.actor: m.character for m in record.cast}
    assert by_actor["Kim Bodnia"] == "Frank"
    assert by_actor["Mads Mikkelsen"] == "Tonny"
    assert by_actor["Zlatko Burić"] == "Milo"
    assert by_actor["Laura Drasbæk"] == "Vic"
    assert by_actor["Slavko Labović"] == "Radovan"
    assert by_actor["Peter Andersson"] == "Hasse"
    assert by_actor["Vanja Bajičić"] == "Kurt the Cunt"
    assert Character("Tonny", played_by="Mads Mikkelsen") in record.characters
    assert Character("Milo", played_by="Zlatko Burić") in record.characters
    assert record.related_films == [
        RelatedFilm("Pusher II: With Blood on My Hands", 2004, [REFN], SeriesRef("Pusher", 2)),
        RelatedFilm("Pusher III: I'm the Angel of Death", 2005, [REFN], SeriesRef("Pusher", 3)),
    ]


def test_pusher_iii_2005():
    record, warnings = _read(RECORDS / "pusher-iii-2005.txt")
    assert warnings == []
    assert record.title == "Pusher III: I'm the Angel of Death"
    assert record.year == 2005
    assert record.directors == record.writers == [REFN]
    assert record.series == SeriesRef("Pusher", 3)
    assert (record.languages, record.subtitles) == (["da", "sr"], ["en"])
    assert record.runtimes == [Runtime(104)]
    assert record.releases == [
        Release("GB", "cinema", None),
        Release("GB", "dvd", datetime.date(2006, 6, 12), box_set=TRILOGY),
    ]
    assert record.cast[0] == CastMember("Zlatko Burić", 1, "Milo")
    by_actor = {m.actor: m.character for m in record.cast}
    assert by_actor["Marinela Dekić"] == "Milena"
    assert by_actor["Slavko Labović"] == "Radovan"
    assert by_actor["Ilyas Agac"] == "Muhammed"
    assert by_actor["Kujtim Loki"] == "Luan"
    assert record.characters[0] == Character("Milo", played_by="Zlatko Burić")
    assert record.related_films == [
        RelatedFilm("Pusher", 1996, [REFN], SeriesRef("Pusher", 1)),
        RelatedFilm("Pusher II: With Blood on My Hands", 2004, [REFN], SeriesRef("Pusher", 2)),
    ]


def test_sample_records_use_nfc_names():
    import unicodedata

    for name in ("pusher-1996.txt", "pusher-iii-2005.txt"):
        record, _ = _read(RECORDS / name)
        for member in record.cast:
            assert member.actor == unicodedata.normalize("NFC", member.actor)


# ---------------------------------------------------------------- label variants


@pytest.fixture(scope="module")
def variants():
    return _read(FIXTURES / "variants.txt")


def test_variants_people(variants):
    record, _ = variants
    assert record.title == "The Long Winter"
    assert record.directors == ["Anna Berg", "Jonas Lind"]
    assert record.writers == ["Anna Berg", "Ole Sand", "Jonas Lind"]
    assert record.cast == [
        CastMember("Sofie Holm", 1, "Maja"),
        CastMember("Erik Dahl", 2, "Bent"),
        CastMember("Ida Krogh", 3),
        CastMember("Jens Vang", 4, "Jens"),
    ]


def test_variants_characters_skip_sentence_openers_and_keep_aliases(variants):
    record, _ = variants
    assert record.characters == [
        Character("Maja", played_by="Sofie Holm"),
        Character("Bent", aliases=["the Skipper"], played_by="Erik Dahl"),
        Character("Jens", played_by="Jens Vang"),
    ]
    assert record.lines["characters[2]"] == 24


def test_variants_countries_and_languages(variants):
    record, _ = variants
    assert record.countries == ["DK", "SE", "FR"]
    assert record.languages == ["da", "sv", "fr"]
    assert record.subtitles == ["en", "da"]


def test_variants_runtimes(variants):
    record, _ = variants
    assert record.runtimes == [Runtime(96), Runtime(94, ["US", "GB"])]


def test_variants_distributors_and_certificates(variants):
    record, _ = variants
    assert record.distributors == [Distributor("FR", "Pyramide Distribution"), Distributor("GB", "Soda Pictures")]
    assert record.certificates == [
        Certificate("US", "R", "strong violence and language", "MPA"),
        Certificate("GB", "15", "strong language", "BBFC"),
    ]


def test_variants_releases(variants):
    record, _ = variants
    aug18 = datetime.date(2006, 8, 18)
    assert record.releases == [
        Release("FR", "cinema", datetime.date(2005, 3, 3)),
        Release("GB", "bluray", aug18),
        Release("US", "dvd", aug18, limited=True),
        Release("US", "bluray", aug18, limited=True),
        Release("DK", "cinema", datetime.date(2005, 8, 18), limited=True, city="Copenhagen", box_set="Festival Edition"),
        Release("SE", "cinema", None),
    ]
    assert record.lines["releases[2]"] == record.lines["releases[3]"] == 15


def test_variants_unknown_labels_are_notes(variants):
    record, warnings = variants
    assert record.crew == [CrewMember("producer", "Karin Holm")]
    assert record.lines["crew[0]"] == 18
    assert record.notes == [Note("Press contact", 19)]
    assert [w.line for w in warnings] == [19]
    assert record.series is None
    assert record.related_films == []


@pytest.mark.parametrize("name", ["latin1.txt", "bom.txt"])
def test_encodings(name):
    record, _ = _read(FIXTURES / name)
    assert record.title == "Natten Før"
    assert record.directors == ["Søren Kragh-Jacobsen"]
    assert [m.actor for m in record.cast] == ["Karsten Schrøder", "Amélie Dubois", "Bjørn Æbelø"]
    assert record.characters[0] == Character("Søren", played_by="Karsten Schrøder")
    assert record.lines["title"] == 7


def test_decomposed_names_become_nfc():
    data = "Year: 2004\nCast: Karsten Schro\u0308der\n\nFOO tells the story of a man.\n".encode()
    record = read_presskit("nfd.txt", data)[0][0]
    assert record.cast[0].actor == "Karsten Schr\u00f6der"


def test_header_title_label_and_prose_title_case():
    data = b"Title: Pusher\nYear: 1996\n\nA film about a week in Copenhagen.\n"
    record = read_presskit("t.txt", data)[0][0]
    assert (record.title, record.lines["title"]) == ("Pusher", 1)


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        ("PUSHER II: WITH BLOOD ON MY HANDS", "Pusher II: With Blood on My Hands"),
        ("PUSHER III: I'M THE ANGEL OF DEATH", "Pusher III: I'm the Angel of Death"),
        ("FEAR X", "Fear X"),
        ("THE LORD OF THE RINGS: THE TWO TOWERS", "The Lord of the Rings: The Two Towers"),
        ("SPIDER-MAN", "Spider-Man"),
        ("Already Mixed", "Already Mixed"),
    ],
)
def test_title_case(caps, expected):
    assert _title_case(caps) == expected


# ---------------------------------------------------------------- bad input


def _fails(path: pathlib.Path | str, data: bytes | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        read_presskit(str(path), data)
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize("name", ["empty.txt", "whitespace.txt"])
def test_empty_file(name):
    error = _fails(FIXTURES / name)
    assert "empty" in error.message


def test_binary_file():
    error = _fails(FIXTURES / "binary.txt")
    assert error.message == "binary file, not a press kit"
    assert "binary" in _fails("inline.bin", b"Year: 2004\n\x00\x00\x01").message


def test_header_without_prose():
    error = _fails(FIXTURES / "no-prose.txt")
    assert error.message.startswith("no title found")


def test_prose_without_title():
    error = _fails(FIXTURES / "no-title.txt")
    assert error.message.startswith("no title found")


@pytest.mark.parametrize(("name", "lines"), [("duplicate-year.txt", (1, 4)), ("duplicate-cast.txt", (2, 4))])
def test_duplicate_single_labels(name, lines):
    error = _fails(FIXTURES / name)
    assert error.line == lines[1]
    assert f"lines {lines[0]} and {lines[1]}" in error.message


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("bad-year.txt", 2, "19x4"),
        ("bad-date.txt", 3, "31 February 2006"),
        ("unreadable-date.txt", 2, "sometime in spring"),
        ("bad-runtime.txt", 3, "ninety-six mins"),
    ],
)
def test_bad_values_name_the_line(name, line, words):
    error = _fails(FIXTURES / name)
    assert error.line == line
    assert words in error.message
    assert str(error).startswith(f"{FIXTURES / name}:{line}: ")


def test_missing_file():
    error = _fails(FIXTURES / "no-such-file.txt")
    assert "cannot read" in error.message


# ---------------------------------------------------------------- prose cues beyond the seed


def _prose(text: str, header: str = "Year: 2004\nDirector: Jane Roe\n"):
    return read_presskit("prose.txt", f"{header}\n{text}\n".encode())[0][0]


def test_series_mention_is_not_the_title():
    record = _prose("In 2004 the PUSHER series went on with PUSHER II, and PUSHER's success grew.")
    assert record.title == "Pusher II"
    assert record.series == SeriesRef("Pusher", 2)


def test_distant_ordinal_does_not_set_the_position():
    record = _prose(
        "The first part of a trilogy came out in 1996: PUSHER (1996). "
        "Roe came back in 2004 with PUSHER II and ended it with PUSHER III (2005)."
    )
    assert record.series == SeriesRef("Pusher", 2)
    assert [(f.title, f.series) for f in record.related_films] == [
        ("Pusher", SeriesRef("Pusher", 1)),
        ("Pusher III", SeriesRef("Pusher", 3)),
    ]


def test_ordinal_after_the_title():
    record = _prose("Roe closed the saga in 2004 with TIDE, the third film of the TIDE trilogy.")
    assert record.title == "Tide"
    assert record.series == SeriesRef("Tide", 3)


def test_people_are_not_characters_and_openers_are_dropped():
    record = _prose(
        "Written and directed by Jane Roe, FOO tells the story of Anna (Mia Berg). "
        "Director Jane Roe, aka the Bear, shot it at night. Meanwhile Tom (Bo Ek) waits.",
        header="Year: 2004\n",
    )
    assert record.directors == record.writers == ["Jane Roe"]
    assert record.characters == [Character("Anna", played_by="Mia Berg"), Character("Tom", played_by="Bo Ek")]


def test_header_roles_win_over_prose():
    record = _prose("Director Tom Lee made FOO (2004) for Roe's company.", header="Year: 2004\nDirector: Jane Roe\n")
    assert record.directors == ["Jane Roe"]
    assert record.writers == []
    assert record.title == "Foo"


def test_unknown_country_and_language_parts_are_notes():
    record = _prose(
        "FOO tells the story of a man.",
        header="Year: 2004\nCountries: Denmark / Narnia\nLanguage: Danish and Elvish (English subtitles)\n",
    )
    assert record.countries == ["DK"]
    assert record.languages == ["da"]
    assert [n.line for n in record.notes] == [2, 3]


def test_runtime_with_qualifier_keeps_the_qualifier_as_a_note():
    record = _prose("FOO tells the story of a man.", header="Year: 2004\nRunning time: 96 min (director's cut)\n")
    assert record.runtimes == [Runtime(96)]
    assert record.notes == [Note("(director's cut)", 2)]


def test_distributor_starting_with_a_number_is_not_a_runtime():
    record = _prose("FOO tells the story of a man.", header="Year: 2004\nUSA: 20th Century Fox\n")
    assert record.distributors == [Distributor("US", "20th Century Fox")]


def test_and_splits_only_between_known_names():
    record = _prose(
        "FOO tells the story of a man.",
        header="Year: 2004\nCountries: Bosnia and Herzegovina, Denmark and UK\n"
        "Languages: Serbian and Danish (English and Danish subtitles)\n",
    )
    assert record.countries == ["BA", "DK", "GB"]
    assert (record.languages, record.subtitles) == (["sr", "da"], ["en", "da"])


def test_second_box_set_bracket_is_kept_as_a_note():
    record = _prose("FOO tells the story of a man.", header="Year: 2004\nUK DVD Release: 1 May 2005 (Box A) (Box B)\n")
    assert record.releases == [Release("GB", "dvd", datetime.date(2005, 5, 1), box_set="Box A")]
    assert record.notes == [Note("(Box B)", 2)]


# ---------------------------------------------------------------- kits in other wordings (tests/fixtures/presskits)

KITS = pathlib.Path(__file__).parent / "fixtures" / "presskits"
CORPUS = pathlib.Path(__file__).resolve().parents[1].parent.parent / "shared" / "presskits"
if not CORPUS.is_dir():
    CORPUS = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "presskits"


def test_competing_titles_are_refused_naming_both():
    error = _fails(KITS / "godfather-ii-ambiguous.txt")
    assert "ambiguous title" in error.message
    assert "'The Godfather Part II' (line 6)" in error.message
    assert "'The Conversation' (line 6)" in error.message


def test_refused_kits_land_nothing(tmp_path, capsys):
    from filmgraph.cli import main
    from filmgraph.store import open_store

    store = tmp_path / "store"
    assert main(["ingest", "--store", str(store), str(KITS / "godfather-ii.txt")]) == 0
    with open_store(str(store)) as s:
        before = s.named_graphs()
    code = main(["ingest", "--store", str(store), str(KITS / "godfather-ii-ambiguous.txt"), str(FIXTURES / "no-title.txt")])
    assert code == 2
    err = capsys.readouterr().err
    assert "ambiguous title" in err and "no title found" in err
    with open_store(str(store)) as s:
        assert s.named_graphs() == before


def test_title_line_settles_the_title_and_part_ii_is_the_series():
    record, warnings = _read(KITS / "godfather-ii.txt")
    assert (record.title, record.year) == ("The Godfather Part II", 1974)
    assert record.series == SeriesRef("The Godfather", 2)
    assert record.runtimes == [Runtime(202)]
    assert Character("Frank Pentangeli", played_by="Michael V. Gazzo") in record.characters
    assert Character("Senator Pat Geary", played_by="G. D. Spradlin") in record.characters
    vito = [c for c in record.characters if c.played_by == "Robert De Niro"]
    assert vito == [Character("Vito Andolini", aliases=["Vito Corleone"], played_by="Robert De Niro")]
    assert ("The Conversation", 1974) in [(f.title, f.year) for f in record.related_films]
    assert record.rules["title"] == "first line, in capitals"


def test_abbreviation_does_not_end_a_title_and_possessive_trilogy():
    record, _ = _read(KITS / "oldboy.txt")
    assert record.series == SeriesRef("Vengeance", 2)
    assert [(f.title, f.year) for f in record.related_films] == [("Sympathy for Mr. Vengeance", 2002)]


def test_final_part_of_a_trilogy():
    record, _ = _read(KITS / "three-colours-red.txt")
    assert record.title == "Three Colours: Red"
    assert record.series == SeriesRef("Three Colours", 3)
    assert record.countries == ["FR", "CH", "PL"]


def test_sequel_to_places_the_film_in_that_series():
    record, _ = _read(KITS / "before-sunset.txt")
    assert record.series == SeriesRef("Before Sunrise", 2)
    assert record.languages == ["en", "fr"]


def test_third_chapter():
    record, _ = _read(KITS / "third-chapter.txt")
    assert record.series == SeriesRef("Tide", 3)


def test_french_kit_one_word_actor_and_cast_list_side():
    record, warnings = _read(KITS / "amelie.txt")
    assert record.year == 2001
    assert record.directors == ["Jean-Pierre Jeunet"]
    assert record.cast[2] == CastMember("Rufus", 3, "Raphaël Poulain")
    assert record.releases == [Release("FR", "cinema", datetime.date(2001, 4, 25))]
    assert record.runtimes == [Runtime(118)]
    assert "actor first" in record.rules["cast[0]"]
    assert warnings == []


def test_unread_capitalised_name_and_series_cue_warn_with_file_and_line():
    path = KITS / "unread-cues.txt"
    record, warnings = _read(path)
    assert record.series is None
    texts = [str(w) for w in warnings]
    assert any(t.startswith(f"{path}:6: ") and "OLD MILL" in t for t in texts)
    assert any(t.startswith(f"{path}:7: ") and "series cue" in t for t in texts)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Year: 2004\nDirector: Jane Roe\n\nA quiet film about the sea and the people who live by it.\n", "no title found"),
        ("Director: Jane Roe\n\nFOO tells the story of a man who lives by the sea.\n", "no year"),
    ],
)
def test_kit_without_title_or_year_is_refused(text, words):
    assert words in _fails("kit.txt", text.encode()).message


def test_markdown_is_registered():
    from filmgraph.readers import READERS

    assert READERS[".md"] == READERS[".txt"] == "filmgraph.readers.presskit:read_presskit"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the press-kit development corpus (../shared/presskits) is absent")
def test_development_corpus_reads_every_kit_with_title_and_year():
    import json

    gold = json.loads((CORPUS / "gold.json").read_text(encoding="utf-8"))["records"]
    from filmgraph.identity import fold

    for name, want in gold.items():
        record, _ = _read(CORPUS / name)
        assert (fold(record.title), record.year) == (fold(want["title"]), want["year"]), name
        assert record.lines["title"] and record.rules["title"]


def test_prequel_subject_beats_a_cited_film_of_the_same_year():
    record, _ = _read(KITS / "infernal-affairs-ii.txt")
    assert record.title == "Infernal Affairs II"
    assert record.series == SeriesRef("Infernal Affairs", 2)
    assert [(f.title, f.series) for f in record.related_films] == [
        ("Infernal Affairs", SeriesRef("Infernal Affairs", 1)),
        ("Infernal Affairs III", SeriesRef("Infernal Affairs", 3)),
    ]
    assert record.languages == ["yue"]


def test_sectioned_kit_with_space_columns_and_combined_credit():
    record, warnings = _read(KITS / "no-country-for-old-men.txt")
    assert warnings == []
    assert (record.title, record.year) == ("No Country for Old Men", 2007)
    assert record.directors == record.writers == ["Joel Coen", "Ethan Coen"]
    assert "Cormac McCarthy" not in {c.name for c in record.crew}
    assert CrewMember("cinematographer", "Roger Deakins") in record.crew
    assert record.cast[0] == CastMember("Tommy Lee Jones", 1, "Ed Tom Bell")
    assert record.certificates == [Certificate("US", "R", "strong graphic violence and some language", "MPA")]
    assert record.distributors == [Distributor("US", "Miramax Films"), Distributor("GB", "Paramount Vantage")]
    assert (record.technical.aspect_ratio, record.technical.colour) == ("2.39:1", "colour")


def test_german_markdown_kit_tables_and_implied_market():
    record, warnings = _read(KITS / "amelie-de.md")
    assert warnings == []
    assert record.title == "Die fabelhafte Welt der Amélie"
    assert record.original_title.text == "Le fabuleux destin d'Amélie Poulain"
    assert record.cast[2] == CastMember("Rufus", 3, "Raphaël Poulain")
    assert "character first" in record.rules["cast[0]"] and "column header" in record.rules["cast[0]"]
    assert record.certificates == [Certificate("DE", "6", None, "FSK")]
    assert record.releases == [Release("DE", "cinema", datetime.date(2001, 8, 16))]
    assert record.distributors == [Distributor("DE", "Prokino")]
    assert "label's language" in record.rules["releases[0]"]
    assert record.technical.aspect_ratio == "2.35:1"


def test_compact_kit_title_among_same_series_titles():
    record, warnings = _read(KITS / "three-colours-red-compact.txt")
    assert warnings == []
    assert record.title == "Three Colours: Red"
    assert record.series == SeriesRef("Three Colours", 3)
    assert [(f.title, f.year, f.series) for f in record.related_films] == [
        ("Three Colours: Blue", 1993, None), ("Three Colours: White", 1994, None)]


def test_compact_sequel_kit_with_the_title_cited_with_its_year():
    record, warnings = _read(KITS / "before-sunset-compact.txt")
    assert warnings == []
    assert record.title == "Before Sunset"
    assert record.series == SeriesRef("Before Sunrise", 2)
    assert record.runtimes == [Runtime(80)]
    assert record.releases == [Release("US", "cinema", datetime.date(2004, 7, 2))]
    assert record.related_films == [RelatedFilm("Before Sunrise", 1995, ["Richard Linklater"], SeriesRef("Before Sunrise", 1))]


@pytest.mark.parametrize(
    ("text", "series"),
    [
        ("PUSHER III: I'M THE ANGEL OF DEATH completes the PUSHER trilogy that Refn began with PUSHER (1996).",
         SeriesRef("Pusher", 3)),
        ("The second film in Park Chan-wook's Vengeance trilogy, OLDBOY follows Oh Dae-su (Choi Min-sik).",
         SeriesRef("Vengeance", 2)),
        ("THE GODFATHER PART II follows Michael Corleone (Al Pacino) to Havana.", SeriesRef("The Godfather", 2)),
        ("KILL BILL: VOL. 2 follows the Bride.", SeriesRef("Kill Bill", 2)),
    ],
)
def test_series_wordings(text, series):
    assert _prose(text, header="Year: 2005\nDirector: Jane Roe\nCast: Al Pacino, Choi Min-sik\n").series == series


@pytest.mark.parametrize(
    ("value", "date"),
    [("Wednesday, 23 July 2004", datetime.date(2004, 7, 23)), ("mercredi 31 mai 1995", datetime.date(1995, 5, 31)),
     ("Mittwoch, 20. August 1998", datetime.date(1998, 8, 20)), ("May 4th 1979", datetime.date(1979, 5, 4))],
)
def test_release_dates_in_many_forms(value, date):
    record = _prose("FOO tells the story of a man.", header=f"Year: 2004\nUK Release Date: {value}\n")
    assert record.releases == [Release("GB", "cinema", date)]


@pytest.mark.parametrize("prose, directors, writers", [
    ("Un film écrit et réalisé par Jeanne Morel, tourné à Lyon.", ["Jeanne Morel"], ["Jeanne Morel"]),
    ("Le scénariste Paul Adam signe ici son premier film.", [], ["Paul Adam"]),
    ("Ein Film unter der Regie von Karl Berg, geschrieben von Anna Schmidt.", ["Karl Berg"], ["Anna Schmidt"]),
])
def test_role_cues_in_french_and_german_prose_come_from_the_vocabulary(tmp_path, prose, directors, writers):
    """The cues that name a director or writer in prose are rows of vocab/phrases.csv (`role: …`)."""
    kit = tmp_path / "kit.txt"
    kit.write_text(f"Titel: Nachtzug\nJahr: 2001\n\n{prose}\n", encoding="utf-8")
    record, _ = _read(kit)
    assert (record.directors, record.writers) == (directors, writers)
    assert all(record.rules[field] == "prose: role cue" for field in ("directors", "writers") if getattr(record, field))


@pytest.mark.parametrize("title, base, number", [
    ("Star Wars, épisode V : L'Empire contre-attaque", "Star Wars", 5),
    ("Kill Bill: Vol. 2", "Kill Bill", 2),
    ("Kill Bill Vol 2", "Kill Bill", 2),
    ("Sissi – Teil 3", "Sissi", 3),
])
def test_a_title_ending_in_a_numbered_part_names_its_place(title, base, number):
    """The part nouns (`Part`, `Vol.`, `épisode`, `Teil`) are vocab/series.csv's `numbered` rows."""
    from filmgraph.readers.presskit.prose import series_from_title

    found = series_from_title(title)
    assert found is not None and found[:2] == (base, number)
