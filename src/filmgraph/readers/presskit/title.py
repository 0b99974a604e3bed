"""The title, decided on evidence: a `Title:` label, a Markdown H1, the title block's line in capitals, or the
prose run that tells the story, opens a sentence with a verb or is tied to the year; a tie is refused."""

from __future__ import annotations

import re

from filmgraph.errors import InputError
from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit import prose
from filmgraph.readers.presskit.fields import BRACKETS, WRAPPED, classify, split_field, unmark
from filmgraph.readers.presskit.sections import Line
from filmgraph.readers.presskit.vocab import key, vocab
from filmgraph.record import Title

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_H1 = re.compile(r"^#\s+(?P<t>.+?)\s*#*$")
_STORY = re.compile(r"^\s*(?:tells the story|is the story|follows|centres on|centers on|raconte|erzählt)\b", re.I)
_SUBJECT_VERB = re.compile(r"^\s*(?:is|was|marks|becomes|follows|tells|continues|completes|concludes|picks up|returns|"
                           r"est|raconte|suit|ist|erzählt|folgt)\b", re.I)
_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)$")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TITLE_AND_BRACKET = re.compile(r"^(?P<t>.+?)\s*\((?P<alt>[^()]+)\)$")


class TitleEvidence:
    """Title block, original title and the title decision (a part of `Reader`)."""

    @staticmethod
    def _caps_line(text: str) -> bool:
        """A line in capitals without a sentence's end: a title, not prose."""
        bare = unmark(text).strip().strip("*_# ")
        return bare.upper() == bare and any(c.isalpha() for c in bare) and not bare.endswith((".", "!", "?")) \
            or text.lstrip().startswith("# ")

    @staticmethod
    def _credit_block(block: list[Line]) -> bool:
        """A title-block run of credit lines (`X presents`, `a Y production`, `a Z film`), not prose."""
        v = vocab()
        credits = sum(1 for ln in block if v.phrase_kind(ln.text, ("presents", "production", "source")))
        return len(block) >= 2 and credits * 2 >= len(block) and not any(ln.text.rstrip().endswith(".") for ln in block)

    def _title_block(self, block: list[Line]) -> None:
        v = vocab()
        for i, ln in enumerate(block):
            text = unmark(ln.text).strip()
            bare = text.strip("*_ ").strip()
            if not bare:
                continue
            if m := _H1.match(ln.text.strip()):
                self.title_block.append((m["t"].strip(), ln.no, "markdown H1"))
                continue
            nxt = block[i + 1].text.strip() if i + 1 < len(block) else ""
            if key(nxt) in v.phrases.get("presents", ()) or v.phrase_kind(bare, ("presents", "source")):
                continue
            if (m := WRAPPED.match(bare)) and ":" in m["t"] and (f := split_field(m["t"])) and classify(f.label):
                self._header_line(m["t"], ln.no, "title block")
                continue
            if self._known_line(bare):
                self._header_line(bare, ln.no, "title block")
                continue
            words = bare.split()
            if words and words[0].casefold() in ("a", "an", "un", "une", "ein", "eine") and v.phrase_kind(bare, ("production",)):
                continue
            if self.title_block and all(not x.strip() for x in self.lines[self.title_block[-1][1]:ln.no - 1]) \
                    and self._original_title(bare, ln.no):
                continue
            letters = [c for c in bare if c.isalpha()]
            if letters and (all(c.isupper() for c in letters if c.isascii() or c.isupper() or c.islower())) \
                    and not _CJK.search(bare) and not v.phrase_kind(bare, ("award",)):
                self.title_block.append((bare, ln.no, "title block: a line in capitals"))
            elif _YEAR.search(bare) and v.phrase_kind(bare, ("award",)):
                self.record.awards.append(nfc(bare))
                self._rule(f"awards[{len(self.record.awards) - 1}]", ln.no, "title block: an award line")

    def _original_title(self, text: str, line: int) -> bool:
        """The line under the title: `(C'era una volta il West)`, `*El laberinto del fauno*`, `臥虎藏龍 (Wo hu cang long)`."""
        if text.endswith((".", "!", "?")) and not text.endswith(")"):
            return False
        raw = self.lines[line - 1].strip()
        wrapped = WRAPPED.match(raw) or WRAPPED.match(text)
        if not (wrapped or _CJK.search(text)):
            return False
        self._set_original_title(wrapped["t"].strip("*_ ") if wrapped else text, line, "title block: the line under the title")
        return True

    def _set_original_title(self, value: str, line: int, rule: str) -> None:
        value = value.strip()
        script = None
        if _CJK.search(value):
            romanised = BRACKETS.findall(value)
            script = BRACKETS.sub("", value).strip()
            value = romanised[0].strip() if romanised else script
            if not romanised:
                script = None
        else:
            inner = BRACKETS.findall(value)
            if inner and all(_CJK.search(x) for x in inner):
                script = inner[0].strip()
                value = BRACKETS.sub("", value).strip()
        if self.record.original_title is None:
            self.record.original_title = Title(nfc(value))
            self._rule("original_title", line, rule)
        if script:
            self.record.alternate_titles.append(Title(nfc(script)))
            self._rule(f"alternate_titles[{len(self.record.alternate_titles) - 1}]", line, rule)

    def _decide_title(self) -> None:
        runs = self._all_runs()
        self.runs = runs
        labelled = [c for c in self.title_block if c[2] in ("Title label", "markdown H1")]
        candidates = labelled[:1] or [c for c in self.title_block]
        if len(candidates) > 1:
            counts = [(sum(1 for r in runs if fold(prose._short(r.text)) == self._title_key(c[0])), c)
                      for c in candidates]
            best = max(n for n, _ in counts)
            top = [c for n, c in counts if n == best]
            if len(top) > 1:
                self._refuse_title([(c[0], c[1]) for c in top], "the title block has several lines in capitals")
            for n, c in counts:
                if c is not top[0]:
                    self._note(c[0], c[1], "title block line")
            candidates = top
        if candidates:
            text, line, rule = candidates[0]
            title, alternate = self._plain(text), None
            if m := _TITLE_AND_BRACKET.match(title):
                title, alternate = m["t"].strip(), m["alt"].strip()
            self.record.title = prose._title_case(title.strip("*_ ")) if title.upper() == title else nfc(title)
            self._rule("title", line, rule)
            if alternate:
                self.record.alternate_titles.append(Title(prose._title_case(alternate)))
                self._rule(f"alternate_titles[{len(self.record.alternate_titles) - 1}]", line, rule)
            self.own = None
            return
        self.own = self._prose_title(runs)

    def _title_key(self, text: str) -> str:
        """A title-block line as prose would write it: no trailing `(English title)`, no subtitle."""
        return fold(prose._short(_TRAILING_BRACKET.sub("", self._plain(text))))

    @staticmethod
    def _plain(text: str) -> str:
        return nfc(" ".join(text.replace("**", "").strip("*_ ").split()))

    def _all_runs(self) -> list[prose.Run]:
        runs: list[prose.Run] = []
        for i, (text, start, kind) in enumerate(self.paragraphs):
            found = prose._runs(text, start, i)
            if self.markdown:
                found.extend(prose.italic_runs(text, start, i))
            runs.extend(sorted(found, key=lambda r: r.start))
        return runs

    def _prose_title(self, runs: list[prose.Run]) -> prose.Run | None:
        """The run tied to the record's year or telling the story; the one the prose returns to most."""
        year = self.record.year
        groups: dict[str, list[prose.Run]] = {}
        series_names = {fold(r.text) for r in runs if r.names_series}
        for r in runs:
            if not r.names_series:
                groups.setdefault(fold(r.text), []).append(r)
        for k in [k for k in groups if ":" not in k]:
            fuller = [g for g in groups if g.startswith(k + ":")]
            if len(fuller) == 1:
                groups[fuller[0]].extend(groups.pop(k))
        scored = []
        for k, members in groups.items():
            story = any(_STORY.match(r.after) for r in members)
            subject = any(self._subject(r) for r in members)
            tied = any(year is not None and r.year == year and not r.cited for r in members)
            cited = any(year is not None and r.year == year and r.cited for r in members)
            other_year = all(r.year not in (None, year) for r in members)
            if other_year or (k in series_names and not (tied or story)):
                continue
            evidence = 2 * story + 2 * subject + 2 * tied + cited
            scored.append((evidence, len(members), k, members))
        strong = [s for s in scored if s[0]]
        pool = strong or [s for s in scored if all(r.year is None for r in s[3])]
        if not pool:
            tried = sorted({r.line for r in runs})[:8]
            raise InputError("no title found: no Title label, title block or Markdown heading, and no film title in "
                             f"capitals in the prose (capitalised runs tried on lines {tried or 'none'})", path=self.path)
        pool.sort(key=lambda s: (s[0], s[1]), reverse=True)
        if len(pool) > 1 and pool[0][:2] == pool[1][:2]:
            rivals = [s for s in pool if s[:2] == pool[0][:2]]
            self._refuse_title([(self._full(s[3]).text, self._full(s[3]).line) for s in rivals],
                               "the prose ties several titles to the film equally")
        own = self._full(pool[0][3])
        self.record.title = prose._title_case(own.text)
        self._rule("title", own.line, "prose: the capitalised title that tells the story, is the sentence's subject "
                   "or is tied to the year" if pool[0][0] else "prose: the capitalised title the prose keeps returning to")
        return own

    def _subject(self, run: prose.Run) -> bool:
        """The run opens its sentence and a verb follows: `PUSHER III follows Milo`, `X is the prequel to Y`."""
        text = self.paragraphs[run.paragraph][0]
        before = text[:run.start].rstrip()
        opens = not before or before.endswith((".", "!", "?", ":")) or before.endswith("\n")
        return opens and bool(_SUBJECT_VERB.match(run.after))

    def _full(self, members: list[prose.Run]) -> prose.Run:
        year = self.record.year
        tied = [r for r in members if r.year == year] or members
        return max(tied, key=lambda r: len(r.text))

    def _refuse_title(self, candidates: list[tuple[str, int]], why: str) -> None:
        named = " and ".join(f"{prose._title_case(self._plain(t))!r} (line {n})" for t, n in candidates)
        raise InputError(f"ambiguous title: {why}: {named}; add a `Title:` line to say which",
                         path=self.path, line=candidates[0][1])
