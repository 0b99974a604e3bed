"""The one plain record model every reader produces and the mapping consumes.

Readers (press kit, JSON, YAML, CSV) turn a source into `FilmRecord`s; nothing past the
readers knows which format a fact came from, except through `Source` and `lines`.
Codes are normalised by the readers: territories are ISO 3166-1 alpha-2 (``GB``, not
``UK``), languages are BCP 47 tags (``da``), dates are `datetime.date`. See docs/records.md.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

MEDIA = ("cinema", "dvd", "bluray", "streaming", "television")

SCHEMA_PATH = Path(__file__).with_name("record.schema.json")
SCHEMA: dict = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
"""The record as a JSON document (record.schema.json): the one declaration of the record's fields."""


def _kind(spec: dict) -> str | None:
    if "$ref" in spec:
        spec = SCHEMA["$defs"][spec["$ref"].rsplit("/", 1)[-1]]
    kinds = [spec.get("type")] + [o.get("type") for o in spec.get("oneOf", ())]
    return "array" if "array" in kinds else spec.get("type")


FIELDS: tuple[str, ...] = tuple(name for name, spec in SCHEMA["properties"].items()
                                if not name.startswith("$") and not spec.get("readOnly"))
"""The record's fields in the schema's order (the order readers report them in); `readOnly` ones
(`source`, `lines`, `rules`: where the facts came from) are reported, never read."""
LIST_FIELDS: frozenset[str] = frozenset(name for name in FIELDS if _kind(SCHEMA["properties"][name]) == "array")
"""Fields that hold a list (a bare runtime is a list of one)."""


@dataclass(slots=True)
class Source:
    """Where a record came from: the file as given, its format and, for many-record files, the row."""

    path: str
    kind: str
    row: int | None = None
    sha256: str | None = None
    pages: list[int] | None = None
    """First line of each page, for paged sources (PDF): a line number then reads as page and line."""


@dataclass(slots=True)
class Title:
    """An alternate or translated title; `language` is None when the source does not say."""

    text: str
    language: str | None = None


@dataclass(slots=True)
class CastMember:
    actor: str
    billing: int
    character: str | None = None


@dataclass(slots=True)
class Character:
    """A character as a thing of its own, so one character can recur across films."""

    name: str
    aliases: list[str] = field(default_factory=list)
    played_by: str | None = None


@dataclass(slots=True)
class SeriesRef:
    name: str
    position: int | None = None


@dataclass(slots=True)
class Runtime:
    """A running time; `territories` empty means it holds everywhere."""

    minutes: int
    territories: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Certificate:
    territory: str
    value: str
    advice: str | None = None
    body: str | None = None


@dataclass(slots=True)
class Release:
    """One release in one territory and medium; `date` None means still to be confirmed (tbc)."""

    territory: str
    medium: str = "cinema"
    date: datetime.date | None = None
    limited: bool = False
    city: str | None = None
    box_set: str | None = None


@dataclass(slots=True)
class Distributor:
    territory: str
    name: str


@dataclass(slots=True)
class RelatedFilm:
    """A film the record names without describing it (a director's other work, a sequel)."""

    title: str
    year: int | None = None
    directors: list[str] = field(default_factory=list)
    series: SeriesRef | None = None


@dataclass(slots=True)
class CrewMember:
    """A crew credit: `role` is producer, composer, cinematographer, editor or production_designer."""

    role: str
    name: str


CREW_ROLES = ("producer", "composer", "cinematographer", "editor", "production_designer")


@dataclass(slots=True)
class Technical:
    """Technical details as the source states them; `aspect_ratio` is `N.NN:1`, `colour` is
    ``colour`` or ``black and white``."""

    aspect_ratio: str | None = None
    colour: str | None = None
    sound: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Note:
    """A line the reader could not place: kept, never dropped."""

    text: str
    line: int | None = None


@dataclass(slots=True)
class ExternalIds:
    imdb: str | None = None
    wikidata: str | None = None
    tmdb: str | None = None


@dataclass(slots=True)
class FilmRecord:
    title: str
    source: Source
    year: int | None = None
    original_title: Title | None = None
    alternate_titles: list[Title] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    cast: list[CastMember] = field(default_factory=list)
    characters: list[Character] = field(default_factory=list)
    series: SeriesRef | None = None
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    subtitles: list[str] = field(default_factory=list)
    runtimes: list[Runtime] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    distributors: list[Distributor] = field(default_factory=list)
    related_films: list[RelatedFilm] = field(default_factory=list)
    crew: list[CrewMember] = field(default_factory=list)
    technical: Technical = field(default_factory=Technical)
    awards: list[str] = field(default_factory=list)
    """Festivals and awards, one statement each, as the source words them."""
    ids: ExternalIds = field(default_factory=ExternalIds)
    notes: list[Note] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    """Source line of each field, keyed by field path (``year``, ``cast[3]``, ``releases[0]``)."""
    rules: dict[str, str] = field(default_factory=dict)
    """How each field was read (section and rule, e.g. ``CAST: leader list``), keyed like `lines`."""


@dataclass(slots=True)
class ReaderWarning:
    """A reader's warning: something kept but doubtful, with where it was found."""

    path: str
    line: int | None
    message: str
    pages: list[int] | None = None
    """First line of each page for a paged source (PDF): the line is then cited as page and line."""

    def __str__(self) -> str:
        from filmgraph.errors import where

        place = f"{self.path}:{where(self.line, self.pages) if self.pages else self.line}" if self.line else self.path
        return f"{place}: {self.message}"
