"""Rebuilds that a stamp could fool: same-size edits in one timestamp tick, copies that put
an old mtime back, pagination that shrinks, two checkouts building into one folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import SITES
from test_publish import clean_build, tree

from khabar import cache, content
from khabar import config as config_stage
from khabar.build import build
from khabar.errors import KhabarError
from khabar.render import theme_dir

NEWS = "content/news"


@pytest.fixture(autouse=True)
def own_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache._key.cache_clear()


def same_size_edit(path: Path, old: str, new: str) -> None:
    """Replace text by text of the same length in bytes, and put the old mtime back, as
    `cp -p`, `rsync -a` or `tar` do: size and mtime say nothing changed."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_a_copy_that_puts_the_old_mtime_back_is_noticed(mini_site: Path,
                                                        tmp_path: Path) -> None:
    old = time.time() - 3600
    for path in (mini_site / "content").rglob("*.md"):
        os.utime(path, (old, old))  # long before the build: no racy rule involved
    out = tmp_path / "out"
    build(mini_site, out)
    same_size_edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد", "برگزار شو")
    result = build(mini_site, out)
    assert not result.skipped  # the ctime changed: the quick check sees it
    assert "برگزار شو" in (out / "fa/articles/oslo-talks/index.html").read_text()
    assert tree(out) == clean_build(mini_site, tmp_path)


def test_the_racy_rule_rereads_files_changed_near_the_cache_write(mini_site: Path) -> None:
    """A stamp equal to the cached one is trusted only for a file last changed before
    `trusted_before` (the cache's write time, less the coarsest tick): on a file system
    with 1 s ticks a same-size edit just after the read leaves the stamp as it was."""
    config = config_stage.load(mini_site)
    known = content.read_all(config).known
    path = str(mini_site / NEWS / "oslo-talks.fa.md")
    _stamp, sha, article = known[path]
    same_size_edit(Path(path), "برگزار شد", "برگزار شو")
    # a file system that keeps neither ctime nor inode, nor a finer mtime: the stamp the
    # cache holds is the file's stamp now
    forged = content.stamp_of(os.stat(path))
    changed_ns = os.stat(path).st_mtime_ns

    def articles(trusted_before: int) -> dict[str, content.Article]:
        cached: content.Known = {path: (forged, sha, article)}
        found = content.read_all(config, known=cached, trusted_before=trusted_before).articles
        return {f"{a.slug}.{a.lang}": a for a in found}

    assert articles(changed_ns)["oslo-talks.fa"].summary == \
        "دیدار نمایندگان در Oslo برگزار شو."  # racy: read again
    # long after the cache was written, the stamp is trusted (the file is not even read)
    assert articles(changed_ns + 10**12)["oslo-talks.fa"].summary == \
        "دیدار نمایندگان در Oslo برگزار شد."


def test_the_quick_check_follows_the_racy_rule(mini_site: Path, tmp_path: Path) -> None:
    """An input last changed within a tick of the moment the cache was written may have
    been edited after the build read it, with the same stamp: the quick check does not
    vouch for it, however equal the digest."""
    out = tmp_path / "out"
    old = time.time() - 3600
    for path in (mini_site / "content").rglob("*.md"):
        os.utime(path, (old, old))
    build(mini_site, out)
    options = f"{out.resolve()}\0None\0False"
    quick = cache.quick_digest(mini_site, theme_dir(), options)
    assert cache.up_to_date(mini_site, out.resolve(), quick)
    assert build(mini_site, out).skipped
    written = (cache.folder(mini_site, out.resolve()) / cache.QUICK_FILE).stat().st_mtime_ns
    for newest in (written, written - cache.RACY_NS):  # the same digest, a racy time
        assert not cache.up_to_date(mini_site, out.resolve(),
                                    cache.Stamps(quick.digest, newest))
    assert cache.up_to_date(mini_site, out.resolve(),
                            cache.Stamps(quick.digest, written - cache.RACY_NS - 1))


def test_pagination_that_shrinks_leaves_no_empty_folder(mini_site: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    assert (out / "fa/countries/libya/page/2/index.html").is_file()
    (mini_site / NEWS / "oslo-talks.fa.md").unlink()
    (mini_site / NEWS / "oslo-talks.en.md").unlink()
    build(mini_site, out)
    assert not (out / "fa/countries/libya/page").exists()
    assert tree(out) == clean_build(mini_site, tmp_path)
    for name in ("static/humans.txt",):  # a static file goes, and its folder if empty
        (mini_site / name).unlink()
    (mini_site / "static/deep/er").mkdir(parents=True)
    (mini_site / "static/deep/er/file.txt").write_text("x")
    build(mini_site, out)
    (mini_site / "static/deep/er/file.txt").unlink()
    build(mini_site, out)
    assert not (out / "deep").exists()
    assert tree(out) == clean_build(mini_site, tmp_path, "clean2")


def test_two_checkouts_building_into_one_folder(mini_site: Path, tmp_path: Path) -> None:
    """Each checkout's cache lists what its own last build put in the folder; when the
    folder's mark names another build, that list is not trusted."""
    other = tmp_path / "other"
    shutil.copytree(SITES / "mini", other)
    text = (other / NEWS / "haftar-turkey.fa.md").read_text(encoding="utf-8")
    (other / NEWS / "haftar-turkey.fa.md").write_text(text + "\nبندی دیگر.\n",
                                                      encoding="utf-8")
    out = tmp_path / "out"
    build(mini_site, out)
    build(other, out)
    build(mini_site, out)
    assert tree(out) == clean_build(mini_site, tmp_path)


def test_clean_builds_use_no_compiled_template(mini_site: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2
    build(mini_site, tmp_path / "out")
    loads: list[str] = []
    real = jinja2.FileSystemBytecodeCache.load_bytecode

    def counting(self: jinja2.FileSystemBytecodeCache, bucket: jinja2.bccache.Bucket) -> None:
        loads.append(bucket.key)
        real(self, bucket)

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "load_bytecode", counting)
    build(mini_site, tmp_path / "again")
    assert loads  # a build reuses compiled templates from the user's cache directory
    loads.clear()
    build(mini_site, tmp_path / "again", clean=True)
    assert loads == []


def test_a_body_is_read_from_its_file_and_checked(mini_site: Path) -> None:
    """Articles keep no body (the build cache keeps HTML): `body_of` reads it again, and a
    file changed since it was parsed is an error naming it, never another text."""
    config = config_stage.load(mini_site)
    article = next(a for a in content.load(config) if a.slug == "oslo-talks" and a.lang == "fa")
    assert not hasattr(article, "body")
    assert content.body_of(article) == "دیدار نمایندگان در Oslo برگزار شد.\n"
    path = mini_site / NEWS / "oslo-talks.fa.md"
    path.write_text(path.read_text(encoding="utf-8") + "بند تازه\n", encoding="utf-8")
    with pytest.raises(KhabarError) as caught:
        content.body_of(article)
    assert caught.value.diagnostics[0].path == article.path
