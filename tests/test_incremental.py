"""Incremental builds: after every kind of edit, the output equals a clean build's, byte for
byte; unchanged files are not rewritten; a damaged cache is ignored, not trusted."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import snapshot, write

from khabar import cache
from khabar import make as make_stage
from khabar.build import build


def clean_build(site: Path, tmp: Path, name: str) -> dict[str, bytes]:
    """A from-nothing build of a copy of the site (its own cache, its own output)."""
    copy = tmp / f"clean-{name}"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(cache.CACHE_DIR, "_site"))
    build(copy, tmp / f"out-{name}", clean=True)
    return snapshot(tmp / f"out-{name}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


NEWS = "content/news"
# (name, the edit, whether only the changed story's outputs may be planned again: when
# the site keeps its shape, see rebuild.changed_only)
EDITS: list[tuple[str, Callable[[Path, Path], object], bool]] = [
    ("body", lambda s, o: edit(s / NEWS / "oslo-talks.fa.md", "---\nدیدار", "---\nامروز دیدار"),
     True),
    ("summary", lambda s, o: edit(s / NEWS / "oslo-talks.fa.md", "برگزار شد.\n",
                                  "برگزار شد و ادامه دارد.\n"), True),
    # the reviewed English translation of this one goes stale: its lists show a badge now
    ("body under a reviewed translation", lambda s, o: edit(
        s / NEWS / "haftar-turkey.fa.md", "| لیبی | طرابلس |", "| لیبی | بنغازی |"), True),
    ("source", lambda s, o: edit(s / NEWS / "haftar-turkey.fa.md", "name: نگاه نو",
                                 "name: نگاه تازه"), True),
    ("translation reviewed", lambda s, o: edit(s / NEWS / "oslo-talks.en.md", "status: machine",
                                               "status: reviewed"), True),
    ("translation body, a later paragraph", lambda s, o: edit(
        s / NEWS / "haftar-turkey.en.md", "on **Facebook**.\n",
        "on **Facebook**.\n\nMore details followed.\n"), True),
    # no summary in the front matter: the first paragraph is the summary lists show
    ("translation body, the first paragraph", lambda s, o: edit(
        s / NEWS / "haftar-turkey.en.md", "announced it", "announced this"), True),
    ("date", lambda s, o: edit(s / NEWS / "oslo-talks.fa.md", "date: 2024-11-24T18:30",
                               "date: 2024-11-23T18:30"), False),
    ("body, with an output file deleted by hand", lambda s, o: (
        (o / "en/index.html").unlink(),
        edit(s / NEWS / "oslo-talks.fa.md", "امروز دیدار", "دیروز دیدار")), False),
    ("title", lambda s, o: edit(s / NEWS / "haftar-turkey.en.md",
                                "title: Haftar's forces", "title: Haftar's army"), False),
    ("tag", lambda s, o: edit(s / NEWS / "oslo-talks.fa.md", "countries: [norway, libya]",
                              "countries: [norway, turkey]"), False),
    ("add", lambda s, o: write(s / NEWS / "new-story.fa.md", """
        ---
        title: خبر تازه درباره نروژ
        date: 2024-11-26T08:00
        countries: [norway]
        ---
        متن خبر تازه.
        """), False),
    ("body of the new story", lambda s, o: edit(s / NEWS / "new-story.fa.md", "متن خبر تازه.",
                                                "متن خبر تازه و بلندتر."), True),
    ("delete", lambda s, o: (s / NEWS / "turkey-brief.fa.md").unlink(), False),
    ("template", lambda s, o: write(s / "templates/_briefing.html",
                                    (Path(__file__).parents[1] / "templates/_briefing.html")
                                    .read_text().replace("<h2>", "<h2 class='x'>")), False),
    ("body after a template edit", lambda s, o: edit(s / NEWS / "oslo-talks.fa.md",
                                                     "دیروز دیدار", "امروز دیدار"), True),
    ("site.yaml", lambda s, o: edit(s / "site.yaml", "en: Test Briefing", "en: Test Digest"),
     False),
    ("static", lambda s, o: write(s / "static/extra/notes.txt", "notes"), False),
    ("body and static together", lambda s, o: (
        write(s / "static/extra/notes.txt", "more notes"),
        edit(s / NEWS / "oslo-talks.fa.md", "امروز دیدار", "دیدار")), False),
    ("stylesheet", lambda s, o: write(s / "templates/style.css", "body { color: red }\n"),
     False),
]


@pytest.mark.parametrize("workers", [False, True], ids=["one-process", "workers"])
def test_incremental_equals_clean_after_each_edit(mini_site: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  workers: bool) -> None:
    if workers:  # the fixture site is too small for worker processes otherwise
        monkeypatch.setattr(make_stage, "PARALLEL_MIN", 1)
    out = tmp_path / "incremental"
    first = build(mini_site, out)
    # a first build renders every page and feed; the rest (stylesheet, sitemaps, robots.txt,
    # feed list, static files) it makes whole or copies without rendering
    files = list(snapshot(out))
    pages = [p for p in files if p.endswith(".html")]
    feeds = [p for p in files if p.rsplit("/", 1)[-1] in ("feed.xml", "atom.xml", "feed.json")]
    assert (first.files, first.pages) == (len(files), len(pages))
    assert first.rendered == len(pages) + len(feeds) < first.files
    for name, change, partial in EDITS:
        change(mini_site, out)
        result = build(mini_site, out)
        assert not result.skipped, name
        assert result.partial == partial, name
        assert snapshot(out) == clean_build(mini_site, tmp_path, name), name


def test_small_edit_renders_and_writes_little(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    total = build(mini_site, out).files
    untouched = out / "fa/articles/haftar-turkey/index.html"
    before = untouched.stat()
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.\n", "برگزار شد و ادامه دارد.\n")
    result = build(mini_site, out)
    assert 0 < result.rendered < total / 3, result
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_no_change_stops_early_and_touches_nothing(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = build(mini_site, out)
    assert result.skipped
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    # deleting an output file is noticed: the next build puts it back
    (out / "fa/index.html").unlink()
    again = build(mini_site, out)
    assert not again.skipped and (out / "fa/index.html").is_file()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "quick-garbage",
                                    "other-code", "no-html", "bulk-of-another-build"])
def test_damaged_cache_is_ignored(mini_site: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    state = cache.folder(mini_site, out) / cache.STATE_FILE
    if damage == "garbage":
        state.write_bytes(b"\x80\x05not a pickle at all")
    elif damage == "truncated":
        state.write_bytes(state.read_bytes()[:100])
    elif damage == "foreign":
        state.write_bytes(pickle.dumps(cache.State(key="khabar 0.0.1 cache 0 python (2, 7)")))
    elif damage in ("other-code", "no-html", "bulk-of-another-build"):
        light = pickle.loads(cache.verify(state.read_bytes()))
        bulk = cache.folder(mini_site, out) / cache.BULK_FILE
        head, _, body = bytes(cache.verify(bulk.read_bytes())).partition(b"\n")
        articles, markdown = pickle.loads(body)
        if damage == "other-code":  # parsed and rendered by another Khabar: not reused
            light.code = "0" * 64
            markdown = {k: replace(v, html="<p>stale</p>") for k, v in markdown.items()}
        elif damage == "no-html":  # articles are kept without bodies: their HTML gone
            markdown = {}
        else:  # a crash between writing the bulk and the state that goes with it
            head = b"another"
            markdown = {k: replace(v, html="<p>stale</p>") for k, v in markdown.items()}
        state.write_bytes(b"".join(cache.sign(pickle.dumps(light))))
        bulk.write_bytes(b"".join(cache.sign(head + b"\n", cache.pack(articles, markdown))))
    else:
        (cache.folder(mini_site, out) / cache.QUICK_FILE).write_text("{not json")
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.\n", "برگزار شد امروز.\n")
    result = build(mini_site, out)
    assert not result.skipped
    assert snapshot(out) == clean_build(mini_site, tmp_path, damage)
    assert cache.load(mini_site, out) is not None  # replaced by a good one


def test_clean_flag_renders_everything(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(mini_site, out)
    again = build(mini_site, out, clean=True)
    assert not again.skipped and again.rendered == first.rendered


def test_unchanged_articles_are_not_even_read(mini_site: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time
    old = time.time() - 3600
    for path in (mini_site / "content").rglob("*.md"):
        os.utime(path, (old, old))  # older than the few seconds in which stamps are doubted
    out = tmp_path / "out"
    build(mini_site, out)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.\n", "برگزار شد و ادامه دارد.\n")
    reads: list[str] = []
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        if self.suffix == ".md":
            reads.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    build(mini_site, out)
    monkeypatch.undo()
    assert reads == ["oslo-talks.fa.md"]
    assert snapshot(out) == clean_build(mini_site, tmp_path, "stamps")


def test_the_caches_of_output_folders_that_are_gone_are_removed(
        mini_site: Path, tmp_path: Path) -> None:
    """One cache per output folder: a build removes those whose folder is gone (a serve
    session's, a deleted --out) once unused for a day, and keeps every other."""
    import json
    import os
    import time
    kept_out, gone_out = tmp_path / "kept", tmp_path / "gone"
    for out in (kept_out, gone_out, tmp_path / "recent"):
        build(mini_site, out)
    shutil.rmtree(gone_out)
    shutil.rmtree(tmp_path / "recent")
    folders = {name: cache.folder(mini_site, tmp_path / name) for name in
               ("kept", "gone", "recent")}
    assert all(f.is_dir() for f in folders.values())
    day_ago = time.time() - cache.PRUNE_AFTER_S - 60
    for name in ("kept", "gone"):
        for path in (folders[name], *folders[name].iterdir()):
            os.utime(path, (day_ago, day_ago))
    assert json.loads((folders["gone"] / cache.QUICK_FILE).read_bytes())["out"]
    marker = mini_site / cache.CACHE_DIR / ".pruned"  # looked over by the first builds
    assert marker.is_file()
    os.utime(marker, (day_ago, day_ago))
    build(mini_site, tmp_path / "another")  # a build looks the caches over
    assert not folders["gone"].exists()
    assert folders["kept"].is_dir() and folders["recent"].is_dir()
    assert cache.folder(mini_site, tmp_path / "another").is_dir()
    # at most once an hour: "kept" is gone now, and stays until the hour is over
    shutil.rmtree(tmp_path / "kept")
    assert cache.prune(mini_site, now=marker.stat().st_mtime + 60) == []
    assert cache.prune(mini_site, now=marker.stat().st_mtime + 3_700) == [folders["kept"]]
