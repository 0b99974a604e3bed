"""Target profiles: which classes and properties of a target stand for ours, read from the ontology.

The ontology aligns each filmgraph term to its counterparts with skos:exactMatch / skos:closeMatch;
a profile file (ontology/profiles/<name>.yaml) adds only what alignments cannot say (endpoint,
label properties, how the target writes an IMDb id) and names, per role, the filmgraph term whose
alignment gives the target term. Adding a target is adding a YAML file, not Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import yaml

from filmgraph.errors import UsageError
from filmgraph.resources import data_dir, data_file
from filmgraph.sparql.text import is_iri
from filmgraph.terms import PREFIXES, SKOS

_REQUIRED_ROLES = ("film", "person", "director", "cast", "date")


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    endpoint: str
    public_endpoints: tuple[str, ...]
    min_interval: float
    prefix: str
    entity_namespace: str
    type_property: str
    label_properties: tuple[str, ...]
    languages: tuple[str, ...]
    imdb_form: str
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Role (film, person, director, cast, writer, date, imdb) -> target IRIs from the alignments."""

    def term(self, role: str) -> tuple[str, ...]:
        return self.terms.get(role, ())

    def is_public(self, endpoint: str) -> bool:
        return endpoint.rstrip("/") in {e.rstrip("/") for e in self.public_endpoints}

    def compact(self, iri: str) -> str:
        if iri.startswith(self.entity_namespace):
            return f"{self.prefix}:{iri[len(self.entity_namespace):]}"
        return iri

    def expand(self, text: str) -> str:
        if text.startswith(f"{self.prefix}:"):
            return self.entity_namespace + text[len(self.prefix) + 1:]
        return text


def available() -> list[str]:
    return sorted(p.stem for p in data_dir("ontology").joinpath("profiles").glob("*.yaml"))


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return curie


def _iri(value: str, where: str) -> str:
    """Profile IRIs end up in query text: refuse anything that is not a plain IRI."""
    if not is_iri(value):
        raise UsageError(f"{where}: {value!r} is not an IRI")
    return value


@cache
def _alignments() -> dict[str, tuple[list[str], list[str]]]:
    """Ontology term -> (exactMatch targets, closeMatch targets), in file order made deterministic."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data_file("ontology", "filmgraph.ttl"), format="turtle")
    found: dict[str, tuple[list[str], list[str]]] = {}
    for index, predicate in enumerate((SKOS + "exactMatch", SKOS + "closeMatch")):
        for s, o in graph.subject_objects(rdflib.URIRef(predicate)):
            found.setdefault(str(s), ([], []))[index].append(str(o))
    return {k: (sorted(v[0]), sorted(v[1])) for k, v in found.items()}


@cache
def load_profile(name: str) -> Profile:
    """The profile `name`, its roles resolved through the ontology's alignments."""
    path = data_dir("ontology") / "profiles" / f"{name}.yaml"
    if not path.is_file():
        raise UsageError(f"no linking profile {name!r} (profiles: {', '.join(available())})")
    with open(path, encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    where = str(path)
    namespaces = tuple(raw["alignment_namespaces"])
    alignments = _alignments()
    terms: dict[str, tuple[str, ...]] = {}
    for role, curie in raw["roles"].items():
        exact, close = alignments.get(_expand(curie), ([], []))
        targets = [t for t in exact if t.startswith(namespaces)] or [t for t in close if t.startswith(namespaces)]
        if targets:
            terms[role] = tuple(_iri(t, where) for t in targets)
    missing = [r for r in _REQUIRED_ROLES if r not in terms]
    if missing:
        raise UsageError(f"{where}: the ontology aligns no {name} term for role(s) {', '.join(missing)}")
    return Profile(
        name=raw["name"], title=raw.get("title", raw["name"]), endpoint=raw["endpoint"],
        public_endpoints=tuple(raw.get("public_endpoints", [raw["endpoint"]])),
        min_interval=float(raw.get("min_interval", 1.0)), prefix=raw["prefix"],
        entity_namespace=raw["entity_namespace"],
        type_property=_iri(raw["type_property"], where),
        label_properties=tuple(_iri(p, where) for p in raw["label_properties"]),
        languages=tuple(raw.get("languages", ["en"])), imdb_form=raw.get("imdb_form", "tt"),
        terms=terms,
    )
