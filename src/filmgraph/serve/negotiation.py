"""HTTP content negotiation (RFC 9110 §12.5.1): the offered media type an `Accept` header prefers.

The most specific range that matches an offer gives its quality (`text/html;q=0.9` beats `text/*`
beats `*/*`); among equal qualities the server's order of offers decides, so a browser's
`*/*;q=0.8` still gets HTML first. Parameters other than `q` are ignored.
"""

from __future__ import annotations


def parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """(type, subtype, q) per media range; an absent or empty header accepts anything."""
    if not header or not header.strip():
        return [("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        kind, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub, q))
    return ranges


def quality(offer: str, ranges: list[tuple[str, str, float]]) -> float:
    kind, _, sub = offer.lower().partition("/")
    best, specificity = 0.0, -1
    for r_kind, r_sub, q in ranges:
        if r_kind == kind and r_sub == sub:
            level = 2
        elif r_kind == kind and r_sub == "*":
            level = 1
        elif r_kind == "*" and r_sub == "*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def choose(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers, or None when it accepts none of them (a 406)."""
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(offer, ranges)
        if q > best_q:
            best, best_q = offer, q
    return best
