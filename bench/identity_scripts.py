"""How person IRIs behave under three minting schemes (docs/records.md, "Why Unicode IRIs").

  old      ASCII folding only (filmgraph 0.1): what is not Latin vanishes
  anyascii a maintained transliteration (anyascii) to ASCII, then the same folding
  unicode  filmgraph now: Latin, Greek and Cyrillic folded, other scripts kept as written

For each scheme: names in, distinct slugs, names that mint no slug at all (`untitled`), and names
whose slug another, different name (identity.key) already holds (each would need a `~2` suffix, or
would have been merged silently before). Run on the Wikidata-MovieLens actors and directors when
../shared/data is present, and always on a built-in sample of names in ten scripts.

  python bench/identity_scripts.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from filmgraph import identity

# Names written in their own scripts, and pairs a transliteration reads alike.
SAMPLE = [
    "黒澤明", "三船敏郎", "小津安二郎", "溝口健二", "王家衛", "王菲", "王非", "張藝謀", "张艺谋", "侯孝賢",
    "박찬욱", "봉준호", "최민식", "Андрей Тарковский", "Андреи Тарковскии", "Сергей Эйзенштейн",
    "Κώστας Γαβράς", "Θόδωρος Αγγελόπουλος", "सत्यजित राय", "ऋत्विक घटक", "يوسف شاهين", "عباس كيارستمی",
    "אמוס גיתאי", "อภิชาติพงศ์ วีระเศรษฐกุล", "Andrei Tarkovsky", "Andrey Tarkovskiy", "Akira Kurosawa",
]

_NON_WORD = re.compile(r"[^a-z0-9]+")


def old_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode().lower()
    return _NON_WORD.sub("-", folded.replace("'", "")).strip("-") or "untitled"


def schemes() -> dict[str, object]:
    out = {"old": old_slug, "unicode": identity.slug}
    try:
        from anyascii import anyascii

        out["anyascii"] = lambda text: old_slug(anyascii(text))
    except ImportError:
        print("(anyascii not installed: pip install anyascii to compare a transliteration)", file=sys.stderr)
    return out


def measure(names: list[str], slug) -> dict[str, float]:
    holders: dict[str, set[str]] = defaultdict(set)
    for name in names:
        holders[slug(name)].add(identity.key(name))
    keys = {identity.key(n) for n in names}
    suffixed = sum(len(k) - 1 for k in holders.values())
    untitled = sum(1 for n in names if slug(n) == "untitled")
    url = [len(quote(slug(n), safe="-~")) for n in names]
    return {"names": len(keys), "slugs": len(holders), "untitled": untitled, "need_suffix": suffixed,
            "mean_url_bytes": round(sum(url) / len(url), 1)}


def load(data: Path) -> list[str]:
    names: list[str] = []
    for file in ("actors.csv", "directors.csv"):
        path = data / "wikidata-movielens" / file
        if path.is_file():
            with open(path, encoding="utf-8", newline="") as f:
                names.extend(row["name"] for row in csv.DictReader(f) if row.get("name"))
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = Path(__file__).resolve().parents[1]
    default = next((p / "shared" / "data" for p in (here.parent, here.parent.parent) if (p / "shared" / "data").is_dir()),
                   here.parent / "shared" / "data")
    parser.add_argument("--data", type=Path, default=default, help="the shared data folder (default: beside the checkout)")
    args = parser.parse_args()
    sets = {"sample (10 scripts)": SAMPLE}
    names = load(args.data)
    if names:
        sets["wikidata-movielens people"] = names
    print("| names | scheme | distinct names (keys) | distinct slugs | untitled | need a suffix | mean URL bytes |")
    print("|---|---|---|---|---|---|---|")
    for label, group in sets.items():
        for scheme, slug in schemes().items():
            m = measure(group, slug)
            print(f"| {label} | {scheme} | {m['names']} | {m['slugs']} | {m['untitled']} | {m['need_suffix']} | "
                  f"{m['mean_url_bytes']} |")
    for name in ("三船敏郎", "Κώστας Γαβράς"):
        print(f"\n{name}: {identity.person_iri(name)}\n  in a URL: {quote(identity.person_iri(name), safe=':/-~')}")


if __name__ == "__main__":
    main()
