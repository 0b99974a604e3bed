"""Other films and series: titles with years in the prose and the filmography, the series the text places the
film in, the year when no label gives it, and warnings for what was left unread."""

from __future__ import annotations

import re

from filmgraph.identity import fold
from filmgraph.readers.presskit import lists, prose
from filmgraph.readers.presskit.fields import unmark
from filmgraph.record import RelatedFilm, SeriesRef

_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z«\"“À-Þ])")
_FOREIGN_POSSESSIVE = re.compile(r"([A-ZÀ-Þ][\w-]+)['’]s?\s+$")
_CREDITED_AFTER = re.compile(r"^\s*(?:by|de|von|d['’])\s+[A-ZÀ-Þ]")
_PRONOUN = re.compile(r"\b(?:his|her|their)\b", re.I)
_DIGIT_NUMERAL = re.compile(r"\s\d{1,2}$")


class FilmsAndSeries:
    """Related films, filmography, series and unread cues (a part of `Reader`)."""

    def _year_from_elsewhere(self) -> None:
        """No Year label: the year the kit's filmography gives its own title, else its first dated
        cinema release's year, said in a warning."""
        own = fold(self.record.title)
        for no, text in self.filmography:
            entry = lists.filmography_entry(text)
            if entry and fold(entry[0]) == own:
                self.record.year = entry[1]
                self._rule("year", no, "FILMOGRAPHY section: the year beside the film's own title")
                return
        dated = sorted((r.date, i) for i, r in enumerate(self.record.releases) if r.date and r.medium == "cinema")
        if dated:
            date, i = dated[0]
            line = self.record.lines[f"releases[{i}]"]
            self.record.year = date.year
            self._rule("year", line, "no Year label: the year of the first cinema release")
            self._warn(line, f"no Year label; the film's year is taken from its first cinema release ({date.year})")

    def _films(self, runs: list[prose.Run], own: prose.Run | None) -> None:
        original = fold(prose._short(self.record.original_title.text)) if self.record.original_title else None
        year = self.record.year
        related: list[tuple[prose.Run, RelatedFilm]] = []
        surnames = {n.split()[-1].casefold() for n in self.record.directors if n.split()}
        for run in runs:
            if run.year is None or run.names_series or run is own:
                continue
            short = fold(prose._short(run.text))
            if run.year == year and (prose.names_title(run.text, self.record.title) or short == original):
                continue
            title = prose._title_case(run.text)
            if any(fold(f.title) == fold(title) and f.year == run.year for _, f in related):
                continue
            paragraph = self.paragraphs[run.paragraph]
            sentence = self._sentence(paragraph[0], run.start)
            foreign = _FOREIGN_POSSESSIVE.search(run.segment[-40:]) and \
                _FOREIGN_POSSESSIVE.search(run.segment[-40:])[1].casefold() not in surnames
            credited = _CREDITED_AFTER.match(paragraph[0][run.end:run.end + 40].split(")", 1)[-1]) if run.cited else \
                _CREDITED_AFTER.match(paragraph[0][run.end:])
            ours = not foreign and not credited and (
                paragraph[2] == "director" or any(s in sentence.casefold().split() or f"{s}'s" in sentence.casefold()
                                                  for s in surnames) or _PRONOUN.search(sentence))
            related.append((run, RelatedFilm(title, run.year, list(self.record.directors) if ours else [])))
        for i, (run, _) in enumerate(related):
            self._rule(f"related_films[{i}]", run.line, "prose: a title with its year")
        self.record.related_films = [f for _, f in related]

    def _sentence(self, text: str, pos: int) -> str:
        starts = [0] + [m.end() for m in _SENTENCE.finditer(text) if m.end() <= pos]
        begin = starts[-1]
        m = _SENTENCE.search(text, pos)
        return text[begin: m.start() if m else len(text)]

    def _filmography(self) -> None:
        own = fold(self.record.title)
        for no, text in self.filmography:
            entry = lists.filmography_entry(text)
            if entry is None:
                self._note(unmark(text).strip(), no, "unreadable filmography line")
                continue
            title, year = entry
            title = prose._title_case(title) if title.upper() == title else title
            if (fold(title) == own or (self.record.original_title and fold(title) == fold(self.record.original_title.text))) \
                    and year in (self.record.year, None):
                continue
            for film in self.record.related_films:
                if fold(film.title) == fold(title) and film.year == year:
                    film.directors = film.directors or list(self.record.directors)
                    break
            else:
                self._rule(f"related_films[{len(self.record.related_films)}]", no, "FILMOGRAPHY section: year and title")
                self.record.related_films.append(RelatedFilm(title, year, list(self.record.directors)))

    def _series(self, runs: list[prose.Run], own_key: str) -> None:
        found = prose.series_from_cues(self.paragraphs, runs, own_key, self.record.title)
        if found is None:
            found = prose.series_from_title(self.record.title)
        if found is not None:
            name, position, line, rule = found
            self.record.series = SeriesRef(prose._title_case(name) if name.upper() == name else name, position)
            self._rule("series", line or self.record.lines.get("title", 0), rule)
        else:
            legacy = prose.legacy_series(runs, self.box_sets, self.paragraphs, self.record.title, self.record.year, self.own)
            if legacy:
                self.record.series = SeriesRef(prose._title_case(legacy[0]), legacy[1])
                self._rule("series", legacy[2], "prose: a series named with numbered titles")
        if self.record.series:
            base = self.record.series.name
            for film in self.record.related_films:
                mentions = [r for r in runs if fold(prose._short(r.text)) == fold(prose._short(film.title))
                            and r.year in (None, film.year)]
                digits = bool(_DIGIT_NUMERAL.search(prose._short(self.record.title)))
                if position := prose._series_position(mentions, base, digits):
                    film.series = SeriesRef(self.record.series.name, position[0])
                elif fold(film.title) == fold(base):
                    film.series = SeriesRef(self.record.series.name, 1)

    def _unread(self, runs: list[prose.Run], own_key: str) -> None:
        """Warn, with file:line, for a capitalised name or a series cue from which nothing was read."""
        read = {own_key, fold(self.record.title)} | {fold(prose._short(f.title)) for f in self.record.related_films}
        if self.record.series:
            read.add(fold(self.record.series.name))
        names = {fold(n) for n in (*self.record.directors, *self.record.writers, *(m.actor for m in self.record.cast),
                                   *(c.name for c in self.record.crew), *(c.name for c in self.record.characters))}
        warned: set[str] = set()
        for run in runs:
            short = fold(prose._short(run.text))
            if short in read or fold(run.text) in read or run.names_series or short in warned:
                continue
            if short in names or any(short in n.split() or n.startswith(short) for n in names):
                continue
            if len(run.text.split()) == 1 and len(run.text) <= 4:
                continue
            if any(short.startswith(r) or r.startswith(short) for r in read if r):
                continue
            warned.add(short)
            self._warn(run.line, f"read nothing from the capitalised name {run.text!r} (no year, not the title); "
                                 "not a film of the record")
        if self.record.series is None:
            for text, start, kind in self.paragraphs:
                if kind == "director":
                    continue
                if m := prose.series_cue(text):
                    self._warn(prose._line_at(text, start, m.start()),
                               f"series cue {m[0]!r} but no series read from it; the record has no series")
