"""The public API: `__all__` is exactly the public names, each verb has a function, and it runs.

As httpx's test does: a name added to a module but not to `__all__` (or the other way round) fails.
"""

import importlib
import inspect

import pytest

import filmgraph

# One function per verb the CLI offers, as the facade names it.
VERBS = {"ingest": "ingest_paths", "validate": "validate_paths", "read": "read_paths", "query": "run_query",
         "export": "export_store", "link": "link_store", "stats": "store_stats"}

# Modules that declare `__all__`: each must list exactly the public names defined in it (a package
# lists what it re-exports from its own modules).
MODULES = ["filmgraph.pipeline", "filmgraph.validation", "filmgraph.validate", "filmgraph.ingest",
           "filmgraph.graph_records", "filmgraph.store", "filmgraph.link", "filmgraph.sparql"]


def test_every_exported_name_resolves():
    for name in filmgraph.__all__:
        assert getattr(filmgraph, name) is not None, name


def test_all_is_exactly_the_public_names():
    for name in filmgraph.__all__:
        getattr(filmgraph, name)
    helpers = {"annotations", "import_module", "Any"}
    public = {n for n, v in vars(filmgraph).items()
              if not n.startswith("_") and n not in helpers and not inspect.ismodule(v)}
    assert public == set(filmgraph.__all__) - {"__version__"}


def test_every_verb_has_a_function():
    for verb, name in VERBS.items():
        assert name in filmgraph.__all__, f"the {verb} verb has no function in the facade"
        assert callable(getattr(filmgraph, name)), name


@pytest.mark.parametrize("module_name", MODULES)
def test_module_all_lists_its_public_names(module_name):
    module = importlib.import_module(module_name)
    package = module_name if hasattr(module, "__path__") else None

    def own(value) -> bool:
        home = getattr(value, "__module__", None) or ""
        return home == module_name or (package is not None and home.startswith(package + "."))

    # A name the module hands out on first use (its `__getattr__`) counts as defined there.
    lazy = {n: getattr(module, n) for n in module.__all__ if n not in vars(module)} \
        if callable(vars(module).get("__getattr__")) else {}
    public = {n for n, v in {**lazy, **vars(module)}.items()
              if not n.startswith("_") and not inspect.ismodule(v) and (inspect.isclass(v) or inspect.isfunction(v))
              and own(v)}
    declared = {n for n in module.__all__ if inspect.isclass(getattr(module, n)) or inspect.isfunction(getattr(module, n))}
    assert declared == public, (f"{module_name}.__all__ lacks {sorted(public - declared)}, "
                                f"names {sorted(declared - public)} it does not define")


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="no_such_thing"):
        filmgraph.no_such_thing  # noqa: B018


def test_the_api_runs_end_to_end(tmp_path):
    """Read the seed, map it, store it and read it back through the public names only."""
    from conftest import RECORDS

    result = filmgraph.read_file(str(RECORDS / "pusher-ii-2004.txt"))
    mapped = filmgraph.map_record(result.records[0])
    with filmgraph.open_store(str(tmp_path / "s"), write=True) as store:
        store.replace_graphs([mapped])
    with filmgraph.open_store(str(tmp_path / "s")) as store:
        again = filmgraph.read_record(store, mapped.graph.value)
    assert again.title == "Pusher II: With Blood on My Hands"
    assert [c.actor for c in again.cast][:1] == ["Mads Mikkelsen"]


def test_the_verbs_run_through_the_facade(tmp_path):
    """Ingest, validate, read, query, export and stats, called as a library user would."""
    import io

    from conftest import RECORDS

    seed = str(RECORDS / "pusher-ii-2004.txt")
    (outcome,) = filmgraph.read_paths([seed])
    assert [r.title for r in outcome.records] == ["Pusher II: With Blood on My Hands"]
    settings = filmgraph.Settings(store=str(tmp_path / "s"))
    with filmgraph.open_store(settings.store, write=True) as store:
        report = filmgraph.ingest_paths([seed], store, settings=settings)
    assert report.records == 1 and report.exit_code == 0
    with filmgraph.open_store(settings.store) as store:
        assert filmgraph.validate_store(store).conforms
        assert dict(filmgraph.store_stats(store))["films"] >= 1
        out = io.BytesIO()
        filmgraph.export_store(store, "nquads", out)
        assert b"Pusher II" in out.getvalue()
    found = filmgraph.validate_paths([seed])
    assert found.report.conforms and not found.refusals
