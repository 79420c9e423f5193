"""Translation memory: sentences translated once are never sent to the model again.

Stored in SQLite, keyed by (model identity, normalised source sentence). The model identity
is part of the key because a different model (or version) must not reuse another's output.
Sentences of translations a person reviewed are kept under a key of their own,
`human fa→en` (:func:`human_key`), which no model's output is ever stored under, so the
model never replaces them. Besides the sentences, the memory keeps the languages each key
translates between and, per source sentence, what its inline placeholders (`[1]…[2]`) stand
for, so that TMX can label every unit and write placeholders as TMX inline elements.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self
from xml.sax.saxutils import escape, quoteattr

from khabar import __version__
from khabar.errors import Diagnostic, KhabarError
from khabar.text import clean_line, persian_letters
from khabar.translate.tmx import Placeholder, seg_xml, with_names

SCHEMA_VERSION = 1
# PRAGMA application_id marks the file as ours, so another program's database is refused.
APPLICATION_ID = 0x4B484252  # "KHBR"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 500  # stays under SQLite's bound-parameter limit
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

HUMAN = "human"  # the origin of sentences from reviewed translations (and their keys' prefix)
MACHINE = "machine"

# Tables added after schema 1 are created when missing: an older Khabar ignores them, and
# a memory it wrote gains them the first time this one opens it.
_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS tm (
    model   TEXT    NOT NULL,
    source  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    created TEXT    NOT NULL,
    hits    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model, source)
) WITHOUT ROWID
""",
    # the languages each key (a model's identity, or human_key) translates between
    """
CREATE TABLE IF NOT EXISTS tm_languages (
    model     TEXT NOT NULL PRIMARY KEY,
    from_lang TEXT NOT NULL,
    to_lang   TEXT NOT NULL,
    origin    TEXT NOT NULL
) WITHOUT ROWID
""",
    # per normalised source sentence: what each of its placeholders stands for (JSON)
    """
CREATE TABLE IF NOT EXISTS tm_markup (
    source TEXT NOT NULL PRIMARY KEY,
    tokens TEXT NOT NULL
) WITHOUT ROWID
""",
    # reviewed translations already read into the memory, by a digest of both files
    """
CREATE TABLE IF NOT EXISTS tm_reviewed (
    digest TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID
""",
)

# Columns of `tm` added after schema 1 (see `_add_columns`): the model's confidence in a
# translation, its mean log probability per word piece (NULL: a person's, or not recorded).
_COLUMNS = (("score", "REAL"),)


def human_key(from_lang: str, to_lang: str) -> str:
    """The key reviewed translations' sentences are kept under: `human fa→en`."""
    return f"{HUMAN} {from_lang}→{to_lang}"


class TranslationMemoryError(KhabarError):
    """The memory file cannot be used: corrupt, another program's, or from a newer Khabar."""

    def __init__(self, path: Path, message: str, hint: str | None = None) -> None:
        super().__init__([Diagnostic(str(path), None, message, hint)])


def normalise_source(text: str) -> str:
    """The key a source sentence is stored under: spellings that read the same must hit.

    NFC, Arabic yeh/kaf folded to Persian, bidi controls dropped, whitespace collapsed.
    """
    return persian_letters(clean_line(text))


@dataclass(frozen=True)
class MemoryStats:
    """What the memory holds, for `khabar` reports."""

    entries: int
    hits: int
    per_model: tuple[tuple[str, int], ...]


def _now() -> datetime:
    return datetime.now(UTC)


class TranslationMemory:
    """An open translation memory; use `TranslationMemory.open` and close it (or use `with`)."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime] = _now
    ) -> None:
        self._conn = conn
        self.path = path
        self._clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime] = _now) -> TranslationMemory:
        """Open (creating if needed) the memory at `path`; refuse files that are not ours."""
        path = Path(path)
        _check_header(path)
        try:
            conn = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise TranslationMemoryError(path, f"cannot open translation memory: {exc}") from exc
        try:
            _prepare(conn, path)
        except TranslationMemoryError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise TranslationMemoryError(
                path,
                f"translation memory is corrupt or not a database: {exc}",
                "delete or move the file; it will be rebuilt as pages are translated again",
            ) from exc
        return cls(conn, path, clock)

    @classmethod
    def open_readonly(cls, path: Path) -> TranslationMemory:
        """Open an existing memory to read, creating and changing no file (for dry runs):
        immutable, unless a write-ahead log left by a killed run holds part of it."""
        path = Path(path)
        _check_header(path)
        mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True,
                                   isolation_level=None)
            _check_ours(conn, path)
        except sqlite3.DatabaseError as exc:
            raise TranslationMemoryError(
                path, f"translation memory is corrupt or not a database: {exc}",
                "delete or move the file; it will be rebuilt as pages are translated again",
            ) from exc
        return cls(conn, path)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def lookup_many(self, model: str, sources: Sequence[str]) -> dict[str, str]:
        """Known translations of `sources` by `model`, keyed by the source as given.

        Hits are counted, so `stats` and TMX usage counts show what the memory saves.
        """
        return {source: target for source, (target, _score)
                in self.lookup_scored(model, sources).items()}

    def lookup_scored(self, model: str, sources: Sequence[str]
                      ) -> dict[str, tuple[str, float | None]]:
        """`lookup_many`, each translation with the model's confidence in it (its mean log
        probability per word piece), None where none was recorded (a person's sentence, or
        one stored by a Khabar before confidences were kept)."""
        keys: dict[str, list[str]] = {}
        for source in sources:
            key = normalise_source(source)
            if key:
                keys.setdefault(key, []).append(source)
        found: dict[str, tuple[str, float | None]] = {}
        unique = list(keys)
        with self._transaction():
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT source, target, score FROM tm WHERE model = ? "
                    f"AND source IN ({marks})",
                    [model, *chunk],
                ).fetchall()
                for key, target, score in rows:
                    for source in keys[key]:
                        found[source] = (target, None if score is None else float(score))
                self._conn.executemany(
                    "UPDATE tm SET hits = hits + 1 WHERE model = ? AND source = ?",
                    [(model, key) for key, _, _ in rows],
                )
        return found

    def peek_many(self, model: str, sources: Sequence[str]) -> set[str]:
        """Which of `sources` the memory holds for `model`, changing nothing (no hit is
        counted): what a dry run would take from it."""
        keys: dict[str, list[str]] = {}
        for source in sources:
            key = normalise_source(source)
            if key:
                keys.setdefault(key, []).append(source)
        found: set[str] = set()
        unique = list(keys)
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for (key,) in self._conn.execute(
                    f"SELECT source FROM tm WHERE model = ? AND source IN ({marks})",
                    [model, *chunk],
                ):
                    found.update(keys[key])
        except sqlite3.OperationalError:  # a memory made before the table existed: empty
            return set()
        return found

    def store_many(
        self,
        model: str,
        pairs: Iterable[tuple[str, str] | tuple[str, str, float | None]],
        *,
        languages: tuple[str, str] | None = None,
        origin: str = MACHINE,
    ) -> int:
        """Store (source, target) pairs, or (source, target, score) with the model's
        confidence in the translation, in one transaction: all of them or, on error, none.

        A source already stored for `model` gets the new target and score (its hit count is
        kept). `languages` (from, to) is recorded for `model`, for TMX. Returns how many
        pairs were written.
        """
        stamp = self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        count = 0
        with self._transaction():
            if languages is not None:
                self._conn.execute(
                    "INSERT INTO tm_languages (model, from_lang, to_lang, origin) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (model) DO UPDATE SET "
                    "from_lang = excluded.from_lang, to_lang = excluded.to_lang, "
                    "origin = excluded.origin",
                    (model, languages[0], languages[1], origin),
                )
            for pair in pairs:
                source, target = pair[0], pair[1]
                score = pair[2] if len(pair) > 2 else None
                key = normalise_source(source)
                if not key:
                    continue
                self._conn.execute(
                    "INSERT INTO tm (model, source, target, created, score) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (model, source) DO UPDATE SET "
                    "target = excluded.target, score = excluded.score",
                    (model, key, target, stamp, score),
                )
                count += 1
        return count

    def store_markup(self, items: Iterable[tuple[str, Sequence[Placeholder]]]) -> int:
        """Record what the placeholders of source sentences stand for (a sentence's latest
        reading wins); sentences without placeholders are skipped."""
        count = 0
        with self._transaction():
            for source, tokens in items:
                key = normalise_source(source)
                if not key or not tokens:
                    continue
                data = json.dumps([list(t) for t in tokens], ensure_ascii=False)
                self._conn.execute(
                    "INSERT INTO tm_markup (source, tokens) VALUES (?, ?) "
                    "ON CONFLICT (source) DO UPDATE SET tokens = excluded.tokens",
                    (key, data),
                )
                count += 1
        return count

    def has_reviewed(self, digest: str) -> bool:
        """Whether the reviewed translation named by `digest` was read in already."""
        row = self._conn.execute(
            "SELECT 1 FROM tm_reviewed WHERE digest = ?", (digest,)
        ).fetchone()
        return row is not None

    def mark_reviewed(self, digest: str) -> None:
        with self._transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO tm_reviewed (digest) VALUES (?)", (digest,)
            )

    def languages(self) -> dict[str, tuple[str, str, str]]:
        """Per key: (from, to, origin), as recorded when its sentences were stored."""
        try:
            rows = self._conn.execute(
                "SELECT model, from_lang, to_lang, origin FROM tm_languages"
            ).fetchall()
        except sqlite3.OperationalError:  # read-only, made before the table existed
            return {}
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def _markup(self) -> dict[str, tuple[Placeholder, ...]]:
        try:
            rows = self._conn.execute("SELECT source, tokens FROM tm_markup").fetchall()
        except sqlite3.OperationalError:
            return {}
        out: dict[str, tuple[Placeholder, ...]] = {}
        for source, data in rows:
            try:
                out[source] = tuple(Placeholder(*t) for t in json.loads(data))
            except (ValueError, TypeError):
                continue  # written by another version: the placeholders stay text
        return out

    def stats(self) -> MemoryStats:
        rows = self._conn.execute(
            "SELECT model, COUNT(*), COALESCE(SUM(hits), 0) FROM tm GROUP BY model ORDER BY model"
        ).fetchall()
        return MemoryStats(
            entries=sum(r[1] for r in rows),
            hits=sum(r[2] for r in rows),
            per_model=tuple((r[0], r[1]) for r in rows),
        )

    def export_tmx(
        self,
        dest: str | Path | IO[bytes],
        source_lang: str = "fa",
        target_lang: str = "en",
        model: str | None = None,
        pair_of: Callable[[str], tuple[str, str] | None] | None = None,
    ) -> int:
        """Write the memory (or one model's part) as TMX 1.4 for CAT tools; returns the tu
        count. Each unit is labelled with the languages its key translates between: as
        recorded when it was stored, else as `pair_of` reads them from the key (a memory
        holds every target language of a site), else the two languages given. The header's
        `srclang` is the one source language, or `*all*` when there are several. A sentence
        a person translated (a reviewed translation's) is written once, as theirs.
        Placeholders become TMX inline elements (`bpt`/`ept`, `it`, `ph`) holding the
        Markdown they stand for."""
        if isinstance(dest, Path | str):
            with open(dest, "wb") as out:
                return self._write_tmx(out, (source_lang, target_lang), model, pair_of)
        return self._write_tmx(dest, (source_lang, target_lang), model, pair_of)

    def _write_tmx(
        self, out: IO[bytes], default: tuple[str, str], model: str | None,
        pair_of: Callable[[str], tuple[str, str] | None] | None,
    ) -> int:
        recorded = self.languages()
        pairs = {name: (recorded[name][:2] if name in recorded else None)
                 or (pair_of(name) if pair_of else None) or default
                 for name, _count in self.stats().per_model}
        origins = {name: recorded[name][2] if name in recorded else
                   (HUMAN if name.startswith(f"{HUMAN} ") else MACHINE) for name in pairs}
        markup = self._markup()
        sources = {source for source, _target in pairs.values()} or {default[0]}
        source_lang = sources.pop() if len(sources) == 1 else "*all*"  # TMX 1.4's word
        header = {
            "creationtool": "Khabar",
            "creationtoolversion": __version__,
            "datatype": "plaintext",
            "segtype": "sentence",
            "adminlang": "en",
            "srclang": source_lang,
            "o-tmf": "Khabar-SQLite",
            "creationdate": self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
        }
        attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in header.items())
        out.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<tmx version="1.4">\n' + f"  <header {attrs}/>\n".encode() + b"  <body>\n"
        )
        # a sentence a person translated: their unit only, not the model's besides
        reviewed = {(*pairs[name], source) for name, origin in origins.items()
                    if origin == HUMAN for _m, source, *_rest in self._rows(name)}
        count = 0
        for row_model, source, target, created, hits in self._rows(model):
            stamp = created.replace("-", "").replace(":", "")
            from_lang, to_lang = pairs.get(row_model, default)
            origin = origins.get(row_model, MACHINE)
            tokens = markup.get(source, ())
            if origin != HUMAN and (from_lang, to_lang,
                                    normalise_source(with_names(source, tokens))) in reviewed:
                continue
            model_prop = (
                "" if origin == HUMAN else f'      <prop type="x-model">{_xml(row_model)}</prop>\n'
            )
            tu = (
                f'    <tu creationdate={quoteattr(stamp)} usagecount="{int(hits)}">\n'
                f"{model_prop}"
                f'      <prop type="x-origin">{origin}</prop>\n'
                f"      <tuv xml:lang={quoteattr(from_lang)}>"
                f"<seg>{seg_xml(_clean(source), tokens)}</seg></tuv>\n"
                f"      <tuv xml:lang={quoteattr(to_lang)}>"
                f"<seg>{seg_xml(_clean(target), tokens)}</seg></tuv>\n"
                "    </tu>\n"
            )
            out.write(tu.encode())
            count += 1
        out.write(b"  </body>\n</tmx>\n")
        return count

    def _rows(self, model: str | None) -> Iterator[tuple[str, str, str, str, int]]:
        query = "SELECT model, source, target, created, hits FROM tm"
        params: tuple[str, ...] = ()
        if model is not None:
            query += " WHERE model = ?"
            params = (model,)
        yield from self._conn.execute(query + " ORDER BY model, source", params)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises: no half-written batch."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold."""
    return _XML_INVALID.sub("", text)


def _xml(text: str) -> str:
    return escape(_clean(text))


def _check_header(path: Path) -> None:
    """Refuse a non-SQLite file before SQLite sees it, with a message that names the file."""
    if not path.exists():
        return
    if path.is_dir():
        raise TranslationMemoryError(path, "translation memory path is a directory")
    with open(path, "rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head and head != _SQLITE_MAGIC:
        raise TranslationMemoryError(
            path,
            "not a translation memory: the file is not an SQLite database",
            "point the translation memory setting at another path, or delete this file",
        )


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another program's database, or one from a newer Khabar."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
    if app_id != APPLICATION_ID and (app_id != 0 or tables):
        raise TranslationMemoryError(
            path,
            "not a Khabar translation memory: the SQLite database belongs to another program",
            "point the translation memory setting at another path",
        )
    if version > SCHEMA_VERSION:
        raise TranslationMemoryError(
            path,
            f"translation memory schema {version} is newer than this Khabar ({SCHEMA_VERSION})",
            "upgrade Khabar",
        )


def _add_columns(conn: sqlite3.Connection) -> None:
    """Columns added after schema 1, added to a memory that lacks them. The schema version
    stays 1: an older Khabar reads and writes the columns it knows and leaves these alone
    (a sentence it stores anew keeps its old score, or none)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(tm)")}
    for name, kind in _COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE tm ADD COLUMN {name} {kind}")


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    _check_ours(conn, path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            conn.execute(statement)
        _add_columns(conn)
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
