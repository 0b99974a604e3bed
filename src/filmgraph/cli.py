"""The `filmgraph` command: parse flags, call one function per verb, map errors to exit codes.

Exit codes are errors.py's (0 ok; 1 data does not conform, or no match; 2 usage or input error).
One `Settings` is built per run (`args.settings`) and passed down; docs/settings.md lists them.
Modules are imported inside each verb so that `filmgraph --help` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable

from filmgraph.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_NONCONFORMING, EXIT_OK, EXIT_TERMINATED


EPILOG = """examples:
  filmgraph read new/kit.pdf
  filmgraph ingest records/
  filmgraph validate
  filmgraph query director-filmography --param "director=Nicolas Winding Refn"
  filmgraph export --format turtle -o films.ttl
  filmgraph link --target wikidata --dry-run
  filmgraph stats
  filmgraph serve --port 8080

The store is ./filmgraph-store unless --store or FILMGRAPH_STORE says otherwise.
exit codes: 0 ok, 1 data does not conform (or no match), 2 usage or input error."""


def _store_option(parser: argparse.ArgumentParser, *, endpoint_alias: bool = False) -> None:
    names = ("--store", "--endpoint") if endpoint_alias else ("--store",)
    parser.add_argument(*names, dest="store", metavar="DIR|URL", default=None,
                        help="store folder, or a SPARQL server's http(s):// URL (default: $FILMGRAPH_STORE or "
                             "./filmgraph-store)" + ("; --endpoint is the same option" if endpoint_alias else ""))
    parser.add_argument("--auth", metavar="USER:PASS",
                        help="credentials for a SPARQL server, basic or digest as it asks (default: $FILMGRAPH_AUTH)")


def _store_path(args: argparse.Namespace) -> str:
    return args.store or args.settings.store


def _open(args: argparse.Namespace, *, write: bool = False, init: bool = False, lock_timeout: float | None = None,
          **options):
    """The backend `--store` names (a folder or a server URL), with `--auth` credentials; a folder
    is opened with the settings' lock timeout (or `lock_timeout`), `init` as `ingest --init` asks."""
    from filmgraph.errors import UsageError
    from filmgraph.store import open_store
    from filmgraph.store.base import is_remote

    location = _store_path(args)
    auth = None
    if getattr(args, "auth", None):
        if not is_remote(location):
            raise UsageError("--auth goes with a SPARQL server (--store http://...)")
        user, sep, password = args.auth.partition(":")
        if not sep:
            raise UsageError("--auth takes USER:PASS")
        auth = (user, password)
    if is_remote(location):
        return open_store(location, write=write, auth=auth, **options)
    timeout = args.settings.lock_timeout if lock_timeout is None else lock_timeout
    return open_store(location, write=write, lock_timeout=timeout, init=init)


def _err(message: str) -> None:
    print(f"filmgraph: {message}", file=sys.stderr)


# ---- ingest -------------------------------------------------------------------------------------

def _add_ingest(sub) -> None:
    p = sub.add_parser("ingest", help="read records into the store",
                       description="Read press kits (and other record files) into the store, one named graph per record.",
                       epilog="example: filmgraph ingest --store films records/ new/pusher.txt",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    _record_options(p, batch="records per store transaction (default: $FILMGRAPH_BATCH_SIZE or 500)")
    p.add_argument("--root", metavar="DIR", help="name record graphs by path relative to DIR (default: the working "
                   "folder, or the paths' common folder when they lie outside it; docs/records.md)")
    p.add_argument("--prune", metavar="DIR", action="append", default=[],
                   help="also remove the records of files under DIR that no longer exist (repeatable)")
    p.add_argument("--init", action="store_true",
                   help="make the store in a folder that already holds other files (refused without it)")
    p.set_defaults(run=_run_ingest)


def _record_options(p: argparse.ArgumentParser, *, batch: str) -> None:
    """What ingest and map share: the paths, the batch, the mapping, validation and quiet."""
    p.add_argument("paths", nargs="+", metavar="PATH", help="record files or folders (format by extension)")
    p.add_argument("--batch-size", type=int, default=None, metavar="N", help=batch)
    p.add_argument("--map", metavar="MAPPING.yaml", help="column mapping for a spreadsheet or dataset (see docs/records.md)")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation (for trusted bulk loads)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only errors and the summary")


def _ingest_setup(args: argparse.Namespace):
    """The settings, validator and reader options that ingest's and map's flags ask for."""
    from filmgraph.ingest import ingest_validator

    settings = args.settings
    if args.batch_size is not None:
        settings.batch_size = args.batch_size
    options: dict = {"mapping": args.map} if args.map else {}
    validator = None if args.no_validate else ingest_validator(settings)
    return settings, validator, options


def _run_ingest(args: argparse.Namespace) -> int:
    from filmgraph.ingest import ingest, progress_printer
    from filmgraph.readers import expand_paths

    settings, validator, options = _ingest_setup(args)
    skipped: list = []
    files = list(expand_paths(args.paths, skipped))
    if args.root is None:
        from filmgraph.identity import default_root

        args.root = default_root(args.paths)
    with _open(args, write=True, init=args.init) as store:
        try:
            report = ingest(files, store, validator=validator, settings=settings,
                            progress=progress_printer(len(files)), root=args.root, prune=args.prune, **options)
        except KeyboardInterrupt as e:
            landed = getattr(e, "landed", None)
            if landed is not None:
                e.args = (f"{landed} records landed whole before it stopped ({getattr(e, 'unchanged', 0)} were "
                          "already there) and nothing is half-written; run the same command again to resume",)
            raise
    report.warnings[:0] = skipped
    return _report_ingest(args, report)


def _report_ingest(args: argparse.Namespace, report) -> int:
    from filmgraph.report import render_record, warning_lines

    if not args.quiet:
        _print_capped(((w.path, f"warning: {w}") for w in report.warnings), report.limit)
        for collision in report.collisions:
            print(f"warning: {collision}", file=sys.stderr)
        for graph in report.removed:
            print(f"removed {graph}", file=sys.stderr)
        for checked in report.checked:
            for line in warning_lines(checked):
                print(line, file=sys.stderr)
        for path, count in sorted(report.more_checked.items()):
            print(f"warning: {path}: {count} more records landed with warnings (FILMGRAPH_MAX_ERRORS_PER_FILE)",
                  file=sys.stderr)
    for refusal in report.refused:
        _err(f"refused {refusal.path}: {refusal.reason}" if refusal.nonconforming else refusal.reason)
        if refusal.checked is not None:
            print(render_record(refusal.checked), file=sys.stderr)
        elif refusal.report:
            print(refusal.report, file=sys.stderr)
    for (path, why, _), count in sorted(report.more_refused.items()):
        _err(f"refused {count} more in {path} ({why}); the first {report.limit} are above "
             "(FILMGRAPH_MAX_ERRORS_PER_FILE)")
    print(report.summary())
    return report.exit_code


def _print_capped(lines, limit: int, stream=None) -> None:
    """Print (file, line) pairs, at most `limit` (`Limits.errors_per_file`) per file, then how many more."""
    from collections import Counter

    stream = stream or sys.stderr
    seen: Counter = Counter()
    for path, line in lines:
        seen[path] += 1
        if seen[path] <= limit:
            print(line, file=stream)
    for path, count in seen.items():
        if count > limit:
            print(f"warning: {path}: {count - limit} more warnings (FILMGRAPH_MAX_ERRORS_PER_FILE)", file=stream)


# ---- map ----------------------------------------------------------------------------------------

def _add_map(sub) -> None:
    p = sub.add_parser("map", help="turn records into sorted N-Quads shards, without a store",
                       description="Read, map and validate records (worker processes, as ingest) and write "
                                   "sorted N-Quads shards plus manifest.json, for a server's own bulk loader.",
                       epilog="""examples:
  filmgraph map records/ -o shards/
  filmgraph map --map records/mappings/movielens.yaml movies.csv -o shards/ --shard-size 50000
  oxigraph load --location db --file shards/shard-00000.nq

Cross-record rules see one batch at a time (there is no store to look in).
exit codes: 0 all mapped, 1 a record did not conform, 2 usage or input error.""",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _record_options(p, batch="records validated together (default: $FILMGRAPH_BATCH_SIZE or 500)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="an empty folder for the shards")
    p.add_argument("--shard-size", type=int, default=10_000, metavar="N", help="record graphs per shard (default 10000)")
    p.set_defaults(run=_run_map)


def _run_map(args: argparse.Namespace) -> int:
    from filmgraph.ingest import ingest, progress_printer
    from filmgraph.readers import expand_paths
    from filmgraph.store.shards import ShardWriter

    settings, validator, options = _ingest_setup(args)
    if validator is not None:
        check = validator
        validator = lambda batch, _store: check(batch, None)  # noqa: E731  (no store to look in)
    from filmgraph.identity import default_root

    skipped: list = []
    files = list(expand_paths(args.paths, skipped))
    with ShardWriter(args.output, shard_size=args.shard_size, stamp=settings.now()) as shards:
        report = ingest(files, shards, validator=validator, settings=settings, progress=progress_printer(len(files)),
                        root=default_root(args.paths), **options)
    report.warnings[:0] = skipped
    return _report_ingest(args, report)


# ---- remove -------------------------------------------------------------------------------------

def _add_remove(sub) -> None:
    p = sub.add_parser("remove", help="remove records from the store",
                       description="Remove record graphs, named by their source file (or folder), their graph "
                                   "IRI, or the film they describe (every record of it). All in one transaction; "
                                   "prints each graph removed.",
                       epilog="""examples:
  filmgraph remove records/godfather.txt
  filmgraph remove https://w3id.org/filmgraph/id/graph/file/records/films.csv/row/3
  filmgraph remove https://w3id.org/filmgraph/id/film/the-godfather-1972

exit codes: 0 removed, 1 nothing matched, 2 usage or input error.""",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.add_argument("targets", nargs="+", metavar="TARGET", help="source file or folder, record graph IRI or film IRI")
    p.add_argument("--root", metavar="DIR", help="the root the files were ingested under (as for ingest)")
    p.add_argument("--dry-run", action="store_true", help="print what would be removed; change nothing")
    p.set_defaults(run=_run_remove)


def _run_remove(args: argparse.Namespace) -> int:
    from filmgraph.remove import remove

    with _open(args, write=not args.dry_run) as store:
        removed, unmatched = remove(store, args.targets, root=args.root, dry_run=args.dry_run)
    for graph in removed:
        print(f"{'would remove' if args.dry_run else 'removed'} {graph}")
    for target in unmatched:
        _err(f"no record in the store comes from or is about {target!r}; nothing removed")
    if not unmatched:
        n = len(removed)
        print(f"{n} record graph{'' if n == 1 else 's'} {'would be ' if args.dry_run else ''}removed")
    return EXIT_OK if removed and not unmatched else EXIT_NONCONFORMING


# ---- read ---------------------------------------------------------------------------------------

def _add_read(sub) -> None:
    p = sub.add_parser("read", help="show what the readers take from files, touching no store",
                       description="Show what the readers take from each file (press kits in .txt, .md, .pdf or .docx; "
                                   "JSON, YAML, CSV): every fact with its line (page and line for a PDF) and the "
                                   "section or rule it came from, then every warning and refusal. No store is opened.",
                       epilog="""examples:
  filmgraph read new/pans-labyrinth.pdf
  filmgraph read new/                          # a folder, walked as ingest walks it
  filmgraph read --format json kit.docx > kit.json
  filmgraph read --map records/mappings/films.yaml films.csv

--format json prints a JSON array with one record document per record (src/filmgraph/record.schema.json,
provenance in source, lines and rules); warnings and refusals then go to standard error.
exit codes: 0 every file read, 1 rows of a file refused, 2 a file could not be read or was refused.""",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="record files or folders (format by extension)")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text",
                   help="text for people (default), json for the record model")
    p.add_argument("--map", metavar="MAPPING.yaml", help="column mapping for a spreadsheet or dataset (as for ingest)")
    p.set_defaults(run=_run_read)


def _run_read(args: argparse.Namespace) -> int:
    import json

    from filmgraph.read import exit_code, read_files, record_document, text_report

    options = {"mapping": args.map} if args.map else {}
    readings = []
    for reading in read_files(args.paths, limits=args.settings.limits, **options):
        readings.append(reading)
        for line in ([reading.unreadable] if reading.unreadable else []) + reading.refused_rows:
            _err(f"refused {line}")
        if args.format == "text":
            print("\n".join(text_report(reading)), flush=True)
        else:
            for warning in reading.warnings:
                print(f"warning: {warning}", file=sys.stderr)
    if args.format == "json":
        documents = [record_document(record) for reading in readings for record in reading.records]
        json.dump(documents, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return exit_code(readings)


# ---- export -------------------------------------------------------------------------------------

def _add_export(sub) -> None:
    from_formats = ("turtle", "trig", "nquads", "ntriples", "jsonld")
    p = sub.add_parser("export", help="write the store as RDF",
                       description="Write the whole store as RDF, sorted so that the same content gives the same bytes.",
                       epilog="example: filmgraph export --format jsonld -o films.jsonld",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.add_argument("--format", "-f", choices=from_formats, default="nquads",
                   help="turtle and ntriples hold the union of the record graphs; trig, nquads and jsonld keep them (default nquads)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--film", metavar="TITLE|IRI",
                   help="only this film, as the schema.org Movie object its page embeds (with --format jsonld)")
    p.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    from filmgraph.export import export, export_film

    with _open(args) as store:
        if args.film is not None:
            return _write_output(args, lambda out: export_film(store, args.film, args.format, out))
        if args.output:
            tmp = f"{args.output}.partial"
            try:
                with open(tmp, "wb") as out:
                    export(store, args.format, out)
                os.replace(tmp, args.output)
            except OSError as e:
                _err(f"cannot write {args.output}: {e.strerror}")
                return EXIT_INPUT
        else:
            export(store, args.format, sys.stdout.buffer)
            sys.stdout.flush()
    return EXIT_OK


def _write_output(args: argparse.Namespace, write: Callable) -> int:
    """Write to -o FILE (whole or not at all) or to standard output."""
    if not args.output:
        write(sys.stdout.buffer)
        sys.stdout.flush()
        return EXIT_OK
    tmp = f"{args.output}.partial"
    try:
        with open(tmp, "wb") as out:
            write(out)
        os.replace(tmp, args.output)
    except OSError as e:
        _err(f"cannot write {args.output}: {e.strerror}")
        return EXIT_INPUT
    return EXIT_OK


# ---- stats --------------------------------------------------------------------------------------

def _add_stats(sub) -> None:
    p = sub.add_parser("stats", help="count what the store holds",
                       description="Count record graphs, films, people, characters, series and quads.")
    _store_option(p)
    p.set_defaults(run=_run_stats)


def _run_stats(args: argparse.Namespace) -> int:
    from filmgraph.stats import stats

    with _open(args) as store:
        for name, count in stats(store):
            print(f"{name:<18}{count:>10}")
    return EXIT_OK


# ---- link ---------------------------------------------------------------------------------------

def _add_link(sub) -> None:
    p = sub.add_parser("link", help="link films and people to Wikidata, DBpedia and IMDb",
                       description="Match the store's films (then their people) against a target dataset and "
                                   "write the accepted links, with their scores, to the links graph.",
                       epilog="""examples:
  filmgraph link --target wikidata --contact you@example.org --dry-run > review.tsv
  filmgraph link --target wikidata --decisions review.tsv
  filmgraph link --target wikidata --endpoint http://127.0.0.1:7878/query --type film
  filmgraph link --store http://127.0.0.1:8890/sparql --target wikidata --dry-run

Edit the decision column of a review table (accept / reject) and pass it with --decisions: it is
honoured on every later run. The public endpoints need a contact (--contact or FILMGRAPH_CONTACT).
exit codes: 0 links made or kept, 1 nothing could be linked, 2 usage or input error.""",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.add_argument("--target", required=True, metavar="NAME",
                   help="profile to link to: wikidata or dbpedia (ontology/profiles/NAME.yaml)")
    p.add_argument("--endpoint", metavar="URL", help="SPARQL 1.1 endpoint serving the target's shape (default: the public one)")
    p.add_argument("--type", choices=("film", "person", "all"), default="all",
                   help="what to link (person alone reuses the film links already in the store; default all)")
    p.add_argument("--min-score", type=float, default=None, metavar="X", help="lowest score accepted (default 0.8)")
    p.add_argument("--dry-run", action="store_true", help="print the review table and write nothing")
    p.add_argument("--decisions", metavar="FILE", help="CSV/TSV with entity, candidate, decision (accept or reject) columns")
    p.add_argument("--contact", metavar="EMAIL|URL", help="contact for the User-Agent (default $FILMGRAPH_CONTACT)")
    p.add_argument("--cache", metavar="DIR", help="response cache folder (default $FILMGRAPH_CACHE or ~/.cache/filmgraph)")
    p.add_argument("--refresh", action="store_true", help="ask the endpoint again instead of using cached answers")
    p.set_defaults(run=_run_link)


def _run_link(args: argparse.Namespace) -> int:
    from filmgraph.errors import UsageError
    from filmgraph.link import link, load_profile, open_client, read_decisions, review_table, summary, write_links
    from filmgraph.link.scoring import MIN_SCORE

    profile = load_profile(args.target)
    min_score = MIN_SCORE if args.min_score is None else args.min_score
    if not 0 <= min_score <= 1:
        raise UsageError("--min-score must be between 0 and 1")
    decisions = read_decisions(args.decisions, profile) if args.decisions else {}
    client = open_client(profile, args.endpoint, contact=args.contact, cache_dir=args.cache, refresh=args.refresh,
                         settings=args.settings)
    types = ("film", "person") if args.type == "all" else (args.type,)
    with _open(args) as store:
        run = link(store, profile, client, types=types, min_score=min_score, decisions=decisions,
                   scan=not profile.is_public(client.endpoint))
    if args.dry_run:
        sys.stdout.write(review_table(run))
        print(summary(run), file=sys.stderr)
    else:
        with _open(args, write=True) as store:
            count = write_links(store, run, types, args.settings.now())
        print(summary(run))
        print(f"links graph: {count} triples")
    return EXIT_OK if any(o.status == "linked" for o in run.outcomes) else EXIT_NONCONFORMING


# ---- query --------------------------------------------------------------------------------------

QUERY_EPILOG = """examples:
  filmgraph queries
  filmgraph query director-filmography --param director="Nicolas Winding Refn"
  filmgraph query film-cast -p film=Pusher --format csv
  filmgraph query my-question.rq --format json --limit 100
  filmgraph query --sparql 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }'
  filmgraph query series-order -p series=Pusher --store http://127.0.0.1:7878/query

People and series match in any spelling (case and accents aside); titles match exactly as the
records spell them. Find a name by a fragment with: filmgraph query find -p text=...
exit codes: 0 rows found, 1 no rows (or ASK false), 2 usage, syntax, timeout or endpoint error."""


def _add_query(sub) -> None:
    p = sub.add_parser("query", help="run a named query, a .rq file or SPARQL text",
                       description="Run SPARQL (SELECT, ASK, CONSTRUCT or DESCRIBE) on the store or on a SPARQL 1.1 endpoint.",
                       epilog=QUERY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p, endpoint_alias=True)
    p.add_argument("query", nargs="?", metavar="NAME|FILE.rq", help="a query from the library (see: filmgraph queries) or a .rq file")
    p.add_argument("--sparql", metavar="TEXT", help="SPARQL text to run instead of a named query")
    p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter the query declares, bound as a typed RDF term (repeatable)")
    p.add_argument("--format", "-f", choices=("table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"),
                   default=None, help="table (default for SELECT/ASK), W3C csv/tsv/json/xml results, or RDF for "
                                      "CONSTRUCT/DESCRIBE: turtle (default), ntriples, jsonld")
    p.add_argument("--limit", type=int, metavar="N", help="stop after N rows (or triples)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="stop a query that runs longer than S seconds (default: $FILMGRAPH_QUERY_TIMEOUT or 30)")
    p.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                   help="an extra HTTP header for a SPARQL server (repeatable)")
    p.add_argument("--allow-service", action="store_true",
                   help="let a query on the store call other endpoints (SERVICE); refused without it")
    p.set_defaults(run=_run_query)


def _query_backend(args: argparse.Namespace, timeout: float):
    """The store or server `--store`/`--endpoint` names, with its credentials and headers."""
    from filmgraph.errors import UsageError
    from filmgraph.store.base import is_remote

    headers = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header takes 'Name: value', not {item!r}")
        headers.append((name.strip(), value.strip()))
    if headers and not is_remote(_store_path(args)):
        raise UsageError("--header goes with a SPARQL server (--store http://...)")
    if headers:
        return _open(args, headers=headers, timeout=timeout)
    if is_remote(_store_path(args)):
        return _open(args, timeout=timeout)
    # The timeout covers waiting for a writer's lock too (then the query gets what is left).
    return _open(args, lock_timeout=timeout if timeout and timeout > 0 else None)


def _run_query(args: argparse.Namespace) -> int:
    from filmgraph import query, results
    from filmgraph.errors import UsageError

    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    named = query.resolve(args.query, args.sparql)
    values = query.parse_assignments(args.param)
    query.bind(named, values)
    results.check_format(query.check(named), args.format)
    from filmgraph.store.base import is_remote

    if not is_remote(_store_path(args)) and not args.allow_service and query.uses_service(named.text):
        raise UsageError(f"{named.source}: the query calls another endpoint (SERVICE); a query on the store "
                         "makes no outside request unless you give --allow-service")
    timeout = args.settings.query_timeout if args.timeout is None else args.timeout
    hints = []
    unknown: list[tuple[str, str]] = []
    try:
        with _query_backend(args, timeout) as backend:
            waited = getattr(backend, "lock_waited", 0.0)
            if timeout and timeout > 0 and waited > 0.05:
                timeout = max(round(timeout - waited, 2), 0.01)
            result = query.run(backend, named, values, limit=args.limit, timeout=timeout)
            if result.empty:
                texts = [values[p.name] for p in named.params if p.type in ("string", "title") and p.name in values]
                hints = [(text, query.spellings(backend, text, timeout)) for text in texts]
                unknown = query.unknown_names(backend, named, values, timeout)
    except query.QueryTimeout as e:
        # The query's thread cannot be stopped from Python: leave at once, without waiting for it.
        _err(str(e))
        sys.stderr.flush()
        os._exit(EXIT_INPUT)
    results.write(result, args.format, sys.stdout.buffer)
    sys.stdout.flush()
    for text, names in hints:
        if names:
            _err(f"names match exactly; the store spells {text!r} as: {', '.join(names)}")
    for kind, text in unknown:
        _err(f"no {kind} in the store is named {text!r}, in any spelling (find one by a fragment with: "
             f"filmgraph query find -p text=...)")
    return EXIT_NONCONFORMING if result.empty else EXIT_OK


def _add_queries(sub) -> None:
    p = sub.add_parser("queries", help="list the named queries",
                       description="List the query library (queries/*.rq): name, title and parameters.")
    p.add_argument("--verbose", "-v", action="store_true", help="also print each query's description")
    p.set_defaults(run=_run_queries)


def _run_queries(args: argparse.Namespace) -> int:
    from filmgraph.query import library

    queries = library()
    width = max((len(n) for n in queries), default=0)
    for name, q in queries.items():
        params = " ".join(f"{p.name}={p.default}" if p.default is not None else p.name for p in q.params)
        print(f"{name:<{width}}  {q.title}" + (f"  [{params}]" if params else ""))
        if args.verbose and q.description:
            print(f"{'':<{width}}  {q.description}")
    return EXIT_OK


# ---- validate -----------------------------------------------------------------------------------

def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check records or the store against the SHACL shapes",
                       description="Check record files (with the store as context when there is one) or, without "
                                   "paths, the whole store against the shapes in shapes/. Nothing is written.",
                       epilog="""examples:
  filmgraph validate records/pusher-1996.txt
  filmgraph validate --store films
  filmgraph validate --format json new/ > report.json

FILMGRAPH_SHACL_ENGINE=pyshacl|rust (here and for ingest) picks the engine; by default the Rust
shacl package where it is installed, else pySHACL: the same reports either way.
exit codes: 0 conforms (warnings and infos allowed), 1 violations, 2 usage or input error.""",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.add_argument("paths", nargs="*", metavar="PATH", help="record files or folders (default: the whole store)")
    p.add_argument("--format", "-f", choices=("text", "turtle", "json"), default="text",
                   help="text for people (default), turtle (the SHACL validation report), json (docs/validation.md)")
    p.add_argument("--map", metavar="MAPPING.yaml", help="column mapping for a spreadsheet or dataset (as for ingest)")
    p.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from filmgraph.report import render
    from filmgraph.validate import validate_paths
    from filmgraph.validation import choose_engine, validate_store

    from filmgraph.store.base import is_remote

    engine = choose_engine(args.settings.shacl_engine)
    location = _store_path(args)
    if not args.paths:
        with _open(args) as store:
            report = validate_store(store, engine)
        sys.stdout.write(render(report, args.format))
        return EXIT_OK if report.conforms else EXIT_NONCONFORMING
    options = {"mapping": args.map} if args.map else {}
    with _open(args) if is_remote(location) or os.path.isdir(location) else contextlib.nullcontext() as store:
        found = validate_paths(args.paths, store, engine, args.settings, **options)
    for warning in found.skipped:
        print(f"warning: {warning}", file=sys.stderr)
    for line in found.unreadable + found.refused_rows:
        _err(line)
    sys.stdout.write(render(found.report, args.format))
    if found.unreadable:
        return EXIT_INPUT
    return EXIT_OK if found.report.conforms and not found.refused_rows else EXIT_NONCONFORMING


# ---- upgrade ------------------------------------------------------------------------------------

def _add_upgrade(sub) -> None:
    p = sub.add_parser("upgrade", help="bring a store made by an older filmgraph up to date",
                       description="Copy the store to a backup folder beside it, then bring it to this "
                                   "filmgraph's store format. Nothing else upgrades a store.",
                       epilog="example: filmgraph upgrade --store films",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.set_defaults(run=_run_upgrade)


def _run_upgrade(args: argparse.Namespace) -> int:
    from filmgraph.store.embedded import upgrade

    done, backup = upgrade(_store_path(args))
    print(done + (f"; the store as it was is backed up at {backup}" if backup else ""))

# ---- serve --------------------------------------------------------------------------------------

def _add_serve(sub) -> None:
    from filmgraph.settings import SERVE_REFRESH, SERVE_REMEMBER, SERVE_RESULT_LIMIT, SERVE_TIMEOUT

    p = sub.add_parser("serve", help="publish the store as linked data: pages, RDF, SPARQL",
                       description="Serve the store read-only over HTTP: every minted IRI answers with a page or "
                                   "RDF (content negotiation), with the records behind each fact; a SPARQL 1.1 "
                                   "endpoint at /sparql and the named queries at /queries/NAME. `filmgraph ingest` "
                                   "may write to the store while it runs (docs/serve.md).",
                       epilog="""examples:
  filmgraph serve --store films
  filmgraph serve --port 8000 --base https://films.example.org/
  curl -H 'Accept: text/turtle' http://127.0.0.1:8080/id/film/pusher-1996
  curl 'http://127.0.0.1:8080/queries/director-filmography?director=Nicolas%20Winding%20Refn'

IRIs https://w3id.org/filmgraph/id/... answer at BASE/id/...; stop with Ctrl-C.""",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--base", metavar="URL", help="public URL the site is reached at (default http://HOST:PORT/)")
    p.add_argument("--timeout", type=float, default=SERVE_TIMEOUT, metavar="S",
                   help=f"stop a SPARQL query after S seconds (default {SERVE_TIMEOUT:g})")
    p.add_argument("--result-limit", type=int, default=SERVE_RESULT_LIMIT, metavar="N",
                   help=f"cut query answers at N results, saying so (default {SERVE_RESULT_LIMIT})")
    p.add_argument("--refresh", type=float, default=SERVE_REFRESH, metavar="S",
                   help=f"look for new records every S seconds (default {SERVE_REFRESH:g})")
    p.add_argument("--remember", type=int, default=SERVE_REMEMBER, metavar="N",
                   help=f"answers (pages, pictures, query results) kept per checkpoint of the store "
                        f"(default {SERVE_REMEMBER}; 0: none)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes sharing the port (default 1; one per core for heavy use)")
    p.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from filmgraph.errors import UsageError
    from filmgraph.serve import serve_store

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if args.timeout <= 0 or args.result_limit < 1 or args.refresh <= 0 or args.workers < 1 or args.remember < 0:
        raise UsageError("--timeout and --refresh must be positive, --result-limit and --workers at least 1")
    if args.base and not args.base.startswith(("http://", "https://")):
        raise UsageError(f"--base must be an http(s) URL, not {args.base!r}")
    serve_store(_store_path(args), host=args.host, port=args.port, base=args.base, timeout=args.timeout,
        result_limit=args.result_limit, interval=args.refresh, workers=args.workers, remember=args.remember,
        announce=lambda line: print(line, flush=True))
    return EXIT_OK


# ---- reconcile-serve ----------------------------------------------------------------------------

def _add_reconcile_serve(sub) -> None:
    p = sub.add_parser("reconcile-serve", help="serve the store as a reconciliation service for OpenRefine",
                       description="Serve the store as a W3C Reconciliation Service (API 0.2): OpenRefine "
                                   "matches a column of titles or names against the store's films and people. "
                                   "The service reads the store in a few seconds, then notices ingests and "
                                   "re-reads it; it holds the store's lock only while reading.",
                       epilog="examples:\n"
                              "  filmgraph reconcile-serve --store films --port 8765\n"
                              "  (in OpenRefine: Reconcile > Start reconciling > Add standard service >\n"
                              "   http://127.0.0.1:8765/)\n"
                              "  filmgraph reconcile-serve --view-url 'http://127.0.0.1:8000/id/{{id}}'",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _store_option(p)
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, metavar="N", help="port to listen on (default 8765)")
    p.add_argument("--view-url", metavar="TEMPLATE", default=None,
                   help="where an entity's page is, with {{id}} for its id such as film/pusher-1996 "
                        "(default: the entity's IRI)")
    p.add_argument("--base-url", metavar="URL", default=None,
                   help="the service's public URL, when a proxy puts it elsewhere (default: from each request)")
    p.set_defaults(run=_run_reconcile_serve)


def _run_reconcile_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from filmgraph.errors import UsageError
    from filmgraph.reconcile import LiveIndex, Options, app

    options = Options()
    if args.view_url:
        if "{{id}}" not in args.view_url:
            raise UsageError(f"--view-url must contain {{{{id}}}}: {args.view_url}")
        options.view_url = args.view_url
    import socket

    try:
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {(e.strerror or str(e)).split(' (')[0].lower()} "
                         f"(choose another --port)") from None
    service = app(LiveIndex(_store_path(args), wait=args.settings.lock_timeout), options=options,
                  base_url=args.base_url)
    print(f"filmgraph: reconciliation service for {_store_path(args)} at http://{args.host}:{args.port}/",
          file=sys.stderr)
    uvicorn.run(service, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


# ---- main ---------------------------------------------------------------------------------------

# In the order of the data flow, as `filmgraph --help` lists them.
VERBS: list[Callable] = [_add_read, _add_ingest, _add_remove, _add_map, _add_validate, _add_query, _add_queries,
                         _add_export, _add_link, _add_stats, _add_serve, _add_reconcile_serve, _add_upgrade]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmgraph",
        description="Film records as linked data: ingest, validate, query, export and link.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from filmgraph.settings import VERSION

    parser.add_argument("--version", action="version", version=f"filmgraph {VERSION}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for add in VERBS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_INPUT
    from filmgraph.errors import FilmgraphError
    from filmgraph.settings import Settings

    previous = signal.signal(signal.SIGTERM, _terminated) if _main_thread() else None
    try:
        args.settings = Settings()
        return args.run(args)
    except FilmgraphError as e:
        _err(str(e))
        return e.exit_code
    except KeyboardInterrupt as e:
        what = "terminated" if isinstance(e, Terminated) else "interrupted"
        _err(f"{what}: {e.args[0]}" if e.args else what)
        return EXIT_TERMINATED if isinstance(e, Terminated) else EXIT_INTERRUPTED
    except MemoryError:
        _err("out of memory; lower --batch-size, or the bounds in docs/reliability.md")
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit flush from complaining.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:  # the environment (a full disk, a closed terminal): one line, not a traceback
        _err(f"{e.filename + ': ' if e.filename else ''}{e.strerror or e}")
        return EXIT_INPUT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM (docker stop, systemd, CI), unwound like Ctrl-C so every verb stops cleanly."""


def _terminated(signum, frame) -> None:
    raise Terminated()


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
