"""Issue 15: one value grammar for every structured reader (readers/values.py), mojibake, duplicate keys."""

from __future__ import annotations

import datetime
import json

import pytest

from conftest import run_cli
from filmgraph.readers import read_file, values
from filmgraph.readers.mapping_spec import movielens_title


def _read(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_file(str(path))


# ---- the grammar itself ---------------------------------------------------------------------------

def test_people_lists_split_with_a_warning_and_suffixes_kept():
    parsed = values.split_people("Joel Coen & Ethan Coen")
    assert parsed.value == ["Joel Coen", "Ethan Coen"] and "2 people" in parsed.warnings[0]
    assert values.split_people("A, B and C").value == ["A", "B", "C"]
    assert values.split_people("Sammy Davis, Jr.").value == ["Sammy Davis, Jr."]
    assert values.split_people("Mads Mikkelsen") == values.Parsed(["Mads Mikkelsen"], [])


@pytest.mark.parametrize("text, minutes", [("104", 104), ("104 min", 104), ("104 mins.", 104), ("104'", 104),
                                           ("1h 52m", 112), ("1 hr 52 min", 112), ("1:52", 112), ("2h", 120)])
def test_runtimes_as_people_write_them(text, minutes):
    assert values.minutes(text) == minutes


@pytest.mark.parametrize("text, day", [("2020-02-14", "2020-02-14"), ("14/02/2020", "2020-02-14"),
                                       ("02/14/2020", "2020-02-14"), ("14.02.2020", "2020-02-14"),
                                       ("14 February 2020", "2020-02-14"), ("February 14, 2020", "2020-02-14"),
                                       ("05/05/2020", "2020-05-05")])
def test_dates_read_one_way_only(text, day):
    assert values.date(text) == datetime.date.fromisoformat(day)


def test_an_ambiguous_date_is_refused_naming_both_readings():
    with pytest.raises(values.ValueProblem) as e:
        values.date("02/03/2020")
    assert "2 March 2020" in str(e.value) and "3 February 2020" in str(e.value)
    assert values.date("tbc") is None


def test_territory_and_language_lists_split():
    assert values.territories("UK / Denmark") == ["GB", "DK"]
    assert values.territories("UK / Ghana") == ["GB", "GH"]  # every ISO 3166-1 country (codes.py, issue 11)
    assert values.territories("Trinidad and Tobago") == ["TT"] and values.territories("UK and Ghana") == ["GB", "GH"]
    assert values.languages("Sicilian") == ["scn"]
    assert values.territories("USA & UK") == ["US", "GB"]
    assert values.languages("Danish / Swedish") == ["da", "sv"]
    with pytest.raises(values.ValueProblem, match="Narnia"):
        values.territories("UK / Narnia")


def test_inverted_articles_restored_wherever_they_sit():
    """Before: `Godfather: Part II, The` kept its article at the end (62 MovieLens titles)."""
    assert values.restore_article("Godfather: Part II, The") == "The Godfather: Part II"
    assert values.restore_article("Matrix, The: Reloaded") == "The Matrix: Reloaded"
    assert values.restore_article("Avventura, L'") == "L'Avventura"
    assert movielens_title("Godfather: Part II, The (1974)") == {"title": "The Godfather: Part II", "year": 1974}
    assert movielens_title("Lord of the Rings: The Fellowship of the Ring, The (2001)")["title"] == \
        "The Lord of the Rings: The Fellowship of the Ring"


def test_mojibake_is_repaired_with_a_warning():
    parsed = values.repair("Zlatko BuriÄ‡")
    assert parsed.value == "Zlatko Burić" and "mojibake" in parsed.warnings[0]
    assert values.repair("Zlatko Burić") == values.Parsed("Zlatko Burić", [])
    assert values.repair("São Paulo").warnings == []


_ANY = None  # "any non-ASCII character" in what `_lone` returns


def _lone(items) -> tuple[bool, set[str] | None]:
    """For a parsed regex sequence: whether it can match ASCII alone, and which non-ASCII characters
    can be the only non-ASCII character of a match (None: any of them)."""
    from re import _constants as c

    def union(sets):
        out: set[str] = set()
        for found in sets:
            if found is _ANY:
                return _ANY
            out |= found
        return out

    def item(op, av):
        if op is c.LITERAL:
            return av < 128, set() if av < 128 else {chr(av)}
        if op is c.IN:
            if any(o is c.NEGATE or o is c.CATEGORY for o, _ in av):
                return True, _ANY
            ascii_ok = any((o is c.LITERAL and a < 128) or (o is c.RANGE and a[0] < 128) for o, a in av)
            chars = {chr(a) for o, a in av if o is c.LITERAL and a >= 128}
            chars |= {chr(x) for o, a in av if o is c.RANGE for x in range(max(a[0], 128), a[1] + 1)}
            assert all(o in (c.LITERAL, c.RANGE) for o, _ in av), av
            return ascii_ok, chars
        if op in (c.NOT_LITERAL, c.ANY, c.CATEGORY):
            return True, _ANY
        if op is c.AT:
            return True, set()
        if op is c.MAX_REPEAT:
            low, high, sub = av
            ascii_ok, chars = _lone(sub)
            return low == 0 or ascii_ok, chars if high >= 1 and (low <= 1 or ascii_ok) else set()
        if op is c.SUBPATTERN:
            return _lone(av[-1])
        if op is c.BRANCH:
            found = [_lone(b) for b in av[1]]
            return any(a for a, _ in found), union(ch for _, ch in found)
        raise AssertionError(f"ftfy's pattern uses {op}: teach this test (and looks_mis_decoded) about it")

    found = [item(op, av) for op, av in items]
    alone = union(ch for i, (_, ch) in enumerate(found) if all(a for j, (a, _) in enumerate(found) if j != i))
    return all(a for a, _ in found), alone


def test_the_mojibake_clusters_hold_for_the_installed_ftfy():
    """looks_mis_decoded searches only clusters of non-ASCII characters: right while every match of
    ftfy's pattern is at most BADNESS_REACH + 1 characters long, needs a non-ASCII character, and
    needs two unless it has one of LONE_BADNESS."""
    from re import _parser

    from ftfy.badness import BADNESS_RE

    parsed = _parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert parsed.getwidth()[1] <= values.BADNESS_REACH + 1
    ascii_alone, lone = _lone(list(parsed))
    assert not ascii_alone
    assert lone is not _ANY and lone <= values.LONE_BADNESS


def test_looks_mis_decoded_answers_as_ftfy_does():
    import random

    from ftfy.badness import is_bad

    rng = random.Random(11)
    pool = "ae io,.;:'\"()-\nÃ©Â\xa0â€™œžÅ¡ÄÙØ×²àµ√±≈°‚Ìβ€ΒΓ§«»¿¡€£ÆØÅæøåüöäßÉÈÐÎ"
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(20000)]
    texts += ["Zlatko BuriÄ‡", "Zlatko Burić", "São Paulo", "CafÃ© " * 3, "plain ASCII", "", "Ã ", "x Ã ",
              "Cœur", "œ.", "é" + " " * 5 + "é", "é" + " " * 6 + "é", "a\x85b",
              "Title: Lull of Brønshøj\nDirector: Marta Szabek\n" * 20 + "BuriÄ‡"]
    assert [values.looks_mis_decoded(t) for t in texts] == [is_bad(t) for t in texts]
    assert any(is_bad(t) for t in texts) and not all(is_bad(t) for t in texts)


# ---- CSV, JSON and YAML use it --------------------------------------------------------------------

def test_csv_people_cells_split_like_press_kits(tmp_path):
    """Before: `A, B` and `A & B` stayed one person, silently."""
    result = _read(tmp_path, "f.csv", 'title,year,directors,cast\n'
                                      'Fargo,1996,Joel Coen & Ethan Coen,"Frances McDormand, William H. Macy"\n')
    (record,) = result.records
    assert record.directors == ["Joel Coen", "Ethan Coen"]
    assert [m.actor for m in record.cast] == ["Frances McDormand", "William H. Macy"]
    assert [m.billing for m in record.cast] == [1, 2]
    assert sum("people" in w.message for w in result.warnings) == 2
    assert all("row 2" in w.message for w in result.warnings)


def test_csv_runtimes_dates_and_territories_like_press_kits(tmp_path):
    """Before: `104 min`, `1h 52m` and `14/02/2020` were refused in CSV; `UK / Denmark` was not split."""
    result = _read(tmp_path, "f.csv", "title,year,runtimes,releases,countries\n"
                                      "A,2020,104 min,GB=14/02/2020,UK / Ghana\n"
                                      "B,2020,1h 52m,GB dvd=14 February 2020 limited,UK\n")
    assert not result.refused, [str(r) for r in result.refused]
    a, b = result.records
    assert [r.minutes for r in a.runtimes] == [104] and [r.minutes for r in b.runtimes] == [112]
    assert a.releases[0].date == b.releases[0].date == datetime.date(2020, 2, 14)
    assert b.releases[0].limited and b.releases[0].medium == "dvd"
    assert a.countries == ["GB", "GH"]


def test_csv_ambiguous_date_refuses_the_row(tmp_path):
    result = _read(tmp_path, "f.csv", "title,year,releases\nA,2020,GB=02/03/2020\nB,2020,GB=2020-03-02\n")
    assert [r.title for r in result.records] == ["B"]
    (refused,) = result.refused
    assert "ambiguous" in str(refused) and "column 'releases'" in str(refused)


def test_a_release_date_column_gets_a_hint(tmp_path):
    """Before: ignored with only the list of known columns."""
    result = _read(tmp_path, "f.csv", "title,year,Release date\nA,2020,14/02/2020\n")
    (hint,) = [w for w in result.warnings if "Release date" in w.message]
    assert "territory" in hint.message and "releases" in hint.message


def test_json_and_yaml_share_the_grammar(tmp_path):
    doc = {"title": "Fargo", "year": 1996, "directors": ["Joel Coen and Ethan Coen"], "runtimes": "98 min",
           "countries": ["USA / UK"], "releases": [{"territory": "UK", "date": "31/05/1996"}],
           "certificates": [{"territory": "US", "value": "Rated R"}]}
    from_json = _read(tmp_path, "f.json", json.dumps(doc)).records[0]
    import yaml

    from_yaml = _read(tmp_path, "f.yaml", yaml.safe_dump(doc, allow_unicode=True)).records[0]
    for r in (from_json, from_yaml):
        assert r.directors == ["Joel Coen", "Ethan Coen"]
        assert [x.minutes for x in r.runtimes] == [98] and r.countries == ["US", "GB"]
        assert r.releases[0].date == datetime.date(1996, 5, 31) and r.certificates[0].value == "R"


def test_duplicate_json_keys_are_warned(tmp_path):
    """Before: the last value won silently."""
    result = _read(tmp_path, "f.json", '[{"title": "Heat", "year": 1995, "title": "HEAT"}]')
    (warning,) = result.warnings
    assert "'title' appears twice" in warning.message and "row 1" in warning.message and warning.line == 1


def test_duplicate_yaml_keys_are_warned(tmp_path):
    result = _read(tmp_path, "f.yaml", "title: Heat\nyear: 1995\ntitle: HEAT\n")
    (warning,) = result.warnings
    assert "'title' appears twice (first on line 1)" in warning.message and warning.line == 3


def test_a_press_kit_with_mixed_encodings_is_repaired_and_warned(tmp_path):
    """Before: `Zlatko BuriÄ‡` landed without a warning."""
    kit = ("Year: 1996\nDirectors: Nicolas Winding Refn\nCast: Kim Bodnia, Zlatko BuriÄ‡\n\n"
           "Nicolas Winding Refn made his debut in 1996 with PUSHER, the story of Frank (Kim Bodnia).\n")
    result = _read(tmp_path, "k.txt", kit)
    (record,) = result.records
    assert [m.actor for m in record.cast] == ["Kim Bodnia", "Zlatko Burić"]
    (warning,) = [w for w in result.warnings if "mojibake" in w.message]
    assert "BuriÄ‡" in warning.message and warning.line == 3


def test_a_mapping_reads_runtimes_and_dates_by_the_same_grammar(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("filmgraph: mapping\nsource: sheet\nfields:\n  title: Film\n  year: {column: Year, parse: year}\n"
                       "  runtimes: {column: Length, parse: minutes}\n"
                       "  releases: {column: Out, parse: date, territory: GB}\n", encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("Film,Year,Length,Out\nA,2020,1h 52m,14/02/2020\nB,2020,90,02/03/2020\n", encoding="utf-8")
    store = tmp_path / "s"
    result = run_cli("ingest", "--store", str(store), "--map", str(mapping), str(data))
    assert result.code == 1 and "1 added" in result.out and "ambiguous" in result.err, result.err
    records = read_file(str(data), mapping=str(mapping))
    assert records.records[0].runtimes[0].minutes == 112
    assert records.records[0].releases[0].date == datetime.date(2020, 2, 14)


def test_a_press_kit_mixing_utf8_and_windows_1252_bytes_reads_right(tmp_path):
    """The reader falls back to Windows-1252 for the whole file, so the UTF-8 name became `BuriÄ‡`."""
    path = tmp_path / "k.txt"
    path.write_bytes("Year: 1996\nCast: Kim Bodnia, Zlatko Burić, ".encode("utf-8") + "Schrøder\n\n".encode("cp1252")
                     + b"In 1996 PUSHER tells the story of Frank (Kim Bodnia).\n")
    result = read_file(str(path))
    assert [m.actor for m in result.records[0].cast] == ["Kim Bodnia", "Zlatko Burić", "Schrøder"]
    assert any("mojibake" in w.message and w.line == 2 for w in result.warnings)
