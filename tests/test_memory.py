"""Translation memory: keys normalise, models do not share, writes are all-or-nothing."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from khabar.translate.memory import TranslationMemory, TranslationMemoryError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def tm(tmp_path: Path) -> Iterator[TranslationMemory]:
    with TranslationMemory.open(tmp_path / "tm.sqlite") as memory:
        yield memory


def test_roundtrip_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    with TranslationMemory.open(path) as memory:
        assert memory.store_many("m1", [("سلام دنیا", "Hello world"), ("خبر", "News")]) == 2
        assert memory.lookup_many("m1", ["سلام دنیا", "ناشناخته"]) == {"سلام دنیا": "Hello world"}
    with TranslationMemory.open(path) as memory:
        assert memory.lookup_many("m1", ["خبر"]) == {"خبر": "News"}
        stats = memory.stats()
    assert stats.entries == 2
    assert stats.hits == 2
    assert stats.per_model == (("m1", 2),)


def test_schema_version_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    TranslationMemory.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_normalised_keys_hit(tm: TranslationMemory) -> None:
    tm.store_many("m", [("علي كجاست؟", "Where is Ali?")])  # Arabic yeh and kaf
    persian = "علی کجاست؟"
    assert tm.lookup_many("m", [persian]) == {persian: "Where is Ali?"}
    messy = "\u202bعلی   کجاست؟\u202c\n"
    assert tm.lookup_many("m", [messy]) == {messy: "Where is Ali?"}


def test_other_model_misses(tm: TranslationMemory) -> None:
    tm.store_many("argos-fa-en-1.0", [("سلام", "Hello")])
    assert tm.lookup_many("argos-fa-en-1.1", ["سلام"]) == {}


def test_store_replaces_target(tm: TranslationMemory) -> None:
    tm.store_many("m", [("سلام", "Hi")])
    tm.store_many("m", [("سلام", "Hello")])
    assert tm.lookup_many("m", ["سلام"]) == {"سلام": "Hello"}
    assert tm.stats().entries == 1


def test_store_is_transactional(tm: TranslationMemory) -> None:
    def pairs() -> Iterator[tuple[str, str]]:
        yield ("یک", "one")
        yield ("دو", "two")
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError):
        tm.store_many("m", pairs())
    assert tm.lookup_many("m", ["یک", "دو"]) == {}
    assert tm.stats().entries == 0
    tm.store_many("m", [("سه", "three")])  # the connection is still usable
    assert tm.stats().entries == 1


def test_many_lookups_chunked(tm: TranslationMemory) -> None:
    pairs = [(f"جمله {i}", f"sentence {i}") for i in range(1200)]
    tm.store_many("m", pairs)
    found = tm.lookup_many("m", [s for s, _ in pairs])
    assert len(found) == 1200
    assert found["جمله 7"] == "sentence 7"


def test_export_tmx(tmp_path: Path) -> None:
    fixed = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    path = tmp_path / "tm.sqlite"
    with TranslationMemory.open(path, clock=lambda: fixed) as memory:
        memory.store_many("m", [("سلام <دنیا> & «ما»", 'Hello <world> & "us"'), ("خبر", "News")])
        memory.store_many("other", [("خبر", "Report")])
        out = tmp_path / "tm.tmx"
        assert memory.export_tmx(out) == 3
        buffer = io.BytesIO()
        assert memory.export_tmx(buffer, model="m") == 2
    root = etree.parse(str(out)).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    assert header.get("creationtool") == "Khabar"
    assert header.get("srclang") == "fa"
    assert header.get("segtype") == "sentence"
    assert header.get("datatype") == "plaintext"
    assert header.get("adminlang") and header.get("o-tmf")
    tus = root.findall("body/tu")
    assert len(tus) == 3
    for tu in tus:
        assert [tuv.get(XML_LANG) for tuv in tu.findall("tuv")] == ["fa", "en"]
        assert tu.get("creationdate") == "20240301T120000Z"
    segs = [tu.findall("tuv/seg") for tu in tus]
    pair = ("سلام <دنیا> & «ما»", 'Hello <world> & "us"')
    assert any((s[0].text, s[1].text) == pair for s in segs)
    assert len(etree.fromstring(buffer.getvalue()).findall("body/tu")) == 2


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    path.write_bytes(b"this is not a database, just some text\n" * 100)
    with pytest.raises(TranslationMemoryError, match="not an SQLite database"):
        TranslationMemory.open(path)


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(TranslationMemoryError, match="corrupt"):
        TranslationMemory.open(path)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(TranslationMemoryError, match="another program"):
        TranslationMemory.open(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    TranslationMemory.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(TranslationMemoryError, match="newer"):
        TranslationMemory.open(path)
