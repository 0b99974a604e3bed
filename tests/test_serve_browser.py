"""A real browser on `filmgraph serve`: Debian's headless chromium, driven by Playwright (never a
downloaded browser build), walks home -> search -> film -> person -> series. Screenshots are saved
under test-artifacts/serve/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, start_filmgraph_server, stop_filmgraph_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "serve"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                               "(.ci/run installs it)")


@pytest.fixture(scope="module")
def site(sample_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("browser") / "store"
    shutil.copytree(sample_store, store, ignore=shutil.ignore_patterns("filmgraph.lock"))
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.json"
    hostile.write_text(json.dumps({"title": "<script>alert(1)</script>", "year": 2021,
                                   "directors": ["Nicolas Winding Refn"]}), encoding="utf-8")
    assert run_cli("ingest", "--store", str(store), str(hostile)).code == 0
    server = start_filmgraph_server(store)
    yield server
    stop_filmgraph_server(server)


@pytest.fixture(scope="module")
def page(site):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs
        yield page
        browser.close()


def _picture_renders(page, selector: str) -> None:
    """The image loaded (natural size > 0) and is laid out visibly on the page."""
    image = page.locator(selector)
    image.scroll_into_view_if_needed()
    assert image.is_visible()
    width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 0, f"{selector} did not load"
    box = image.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50


def test_home_search_film_person_series(site, page):
    page.goto(site.url)
    assert "Named queries" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.fill("header input[name=q]", "pusher ii")
    page.click("header button[type=submit]")
    page.wait_for_url("**/search?q=*")
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)
    page.click("section.film a:has-text('Pusher II')")

    page.wait_for_url("**/id/film/pusher-ii-with-blood-on-my-hands-2004")
    assert page.inner_text("h1#title").startswith("Pusher II: With Blood on My Hands")
    sources = page.inner_text("#sources")
    assert "96 min" in sources and "100 min" in sources
    page.screenshot(path=str(ARTIFACTS / "film.png"), full_page=True)

    embedded = json.loads(page.locator("script[type='application/ld+json']").text_content())
    assert embedded["@type"] == "Movie"
    cast = [role["actor"]["name"] for role in embedded["actor"]]
    assert cast[0] == "Mads Mikkelsen" and len(cast) >= 10
    assert all(role["@type"] == "PerformanceRole" for role in embedded["actor"])

    page.click("dl.facts-list a:has-text('Nicolas Winding Refn')")
    page.wait_for_url("**/id/person/nicolas-winding-refn")
    assert "Director" in page.inner_text("main")
    _picture_renders(page, "figure.picture img")
    page.screenshot(path=str(ARTIFACTS / "person.png"), full_page=True)

    page.goto(site.url + "id/film/pusher-ii-with-blood-on-my-hands-2004")
    page.click("dl.facts-list a[href$='/id/series/pusher']")
    page.wait_for_url("**/id/series/pusher")
    films = page.locator("ol.series-films li").all_inner_texts()
    assert [f.split(" (")[0] for f in films][:3] == ["Pusher", "Pusher II: With Blood on My Hands",
                                                     "Pusher III: I'm the Angel of Death"]
    _picture_renders(page, "img#timeline")
    _picture_renders(page, "img#cast-chart")
    page.screenshot(path=str(ARTIFACTS / "series.png"), full_page=True)


def test_a_hostile_title_renders_as_text(site, page):
    page.goto(site.url + "id/film/script-alert-1-script-2021")
    assert page.inner_text("h1#title").startswith("<script>alert(1)</script>")
    page.goto(site.url + "search?q=" + "%3Cscript")
    assert "<script>alert(1)</script>" in page.inner_text("section.film")
    assert page.dialogs == [], "no script from the data ran"
    assert page.evaluate("document.querySelectorAll('main script').length") == 0
    page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
