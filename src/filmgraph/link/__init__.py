"""Linking: our films and people to the same things in Wikidata, DBpedia and IMDb, with explainable scores.

    profile.py     the target's classes and properties, from the ontology's alignments
    targets.py     a target held in memory (remote targets go through filmgraph.sparql)
    candidates.py  our entities from the store; label candidates from the target
    scoring.py     the scoring rules
    linker.py      films first, then people through their films; the links graph
    report.py      the review table, the summary, the decisions file
"""

from __future__ import annotations

from filmgraph.link.linker import LINKS_GRAPH, LinkRun, link, write_links
from filmgraph.link.profile import Profile, load_profile
from filmgraph.link.report import read_decisions, review_table, summary
from filmgraph.link.targets import LocalTarget
from filmgraph.settings import Settings
from filmgraph.sparql.client import SparqlClient

__all__ = ["LINKS_GRAPH", "LinkRun", "LocalTarget", "Profile", "link", "load_profile",
           "read_decisions", "review_table", "summary", "write_links", "open_client"]


def open_client(profile: Profile, endpoint: str | None = None, *, contact: str | None = None,
                cache_dir: str | None = None, refresh: bool = False, timeout: float | None = None,
                settings: Settings | None = None) -> SparqlClient:
    """A client for the profile's endpoint (or `endpoint`); the public service needs a contact."""
    from dataclasses import replace

    from filmgraph.errors import UsageError

    settings = settings or Settings()
    if contact:
        settings = replace(settings, contact=contact)
    url = endpoint or profile.endpoint
    public = profile.is_public(url)
    if public and not settings.contact.strip():
        raise UsageError(f"the public {profile.title} endpoint asks every client to say who it is: set "
                         f"FILMGRAPH_CONTACT or pass --contact (an email address or URL), or use --endpoint "
                         f"for a mirror")
    return SparqlClient(url, user_agent=settings.user_agent, timeout=timeout or settings.query_timeout,
                        cache_dir=cache_dir if cache_dir is not None else settings.cache_dir, refresh=refresh,
                        min_interval=profile.min_interval if public else 0.0)
