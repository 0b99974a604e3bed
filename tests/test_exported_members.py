"""The public API: every exported name resolves, and each is defined where the facade says."""

import filmgraph


def test_every_exported_name_resolves():
    for name in filmgraph.__all__:
        assert getattr(filmgraph, name) is not None, name


def test_unknown_names_are_attribute_errors():
    try:
        filmgraph.no_such_thing  # noqa: B018
    except AttributeError as e:
        assert "no_such_thing" in str(e)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


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
