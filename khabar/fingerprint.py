"""Fingerprints: a digest of exactly what an output is made from (a page's whole template
context, a feed's entries), and the stories found in it.

The rebuild compares an output's fingerprint with the last build's and renders it again
only when they differ; the stories found in it say which outputs a changed story can
touch (rebuild.changed_only). Both come from walking the very values the template is
given, so nothing an output shows can be left out of its fingerprint.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date
from functools import cache
from operator import attrgetter
from typing import Any, NamedTuple

_ATOMS = (str, int, float, bytes, date, type(None))  # bool is an int; Markup and StrEnum str
# how a type's values are fingerprinted (Fingerprinter._classify)
_ATOM, _SEQUENCE, _MAPPING, _SHARED, _SET, _CALLABLE, _UNKNOWN = (object() for _ in range(7))


class Print(NamedTuple):
    digest: bytes
    stories: tuple[str, ...]  # the slugs of the stories the output shows, sorted


class Fingerprinter:
    """Fingerprints the outputs of one build.

    Values shared by many outputs (a story shown on many pages, a language's words) are
    digested once: `shared` types are replaced by their own digest, kept by the object's
    identity for as long as this fingerprinter lives (it holds the object, so no other
    object can take its id meanwhile). A long text (a story's HTML) is hashed once too.
    An object with a `slug` of a `story_types` type is a story the output shows.
    Callables (the templates' helpers, `plural` and the like) count by their name: what
    they do follows from Khabar's code and the language's words, which are in the salt.
    """

    def __init__(self, salt: str, shared: tuple[type, ...], story_types: tuple[type, ...]
                 ) -> None:
        self.salt = salt.encode()
        self.shared = shared
        self.story_types = story_types
        self._memo: dict[int, tuple[Any, bytes, frozenset[str]]] = {}
        self._how: dict[type, Any] = {}

    def of(self, *parts: Any) -> Print:
        found: set[str] = set()
        data = _dumps([self._stable(part, found) for part in parts])
        return Print(hashlib.sha256(self.salt + data).digest(), tuple(sorted(found)))

    def _stable(self, obj: Any, found: set[str]) -> Any:
        kind = type(obj)
        how = self._how.get(kind)
        if how is None:
            how = self._how[kind] = self._classify(kind)
        if how is _ATOM:
            return obj
        if how is _SEQUENCE:
            # many lists hold only strings: then pickle takes them as they are
            if all(self._how.get(kind) is _ATOM for kind in set(map(type, obj))):
                return obj
            return [self._stable(x, found) for x in obj]
        if how is _MAPPING:
            return [(k, self._stable(v, found)) for k, v in obj.items()]
        if how is _SHARED:
            return self._shared(obj, found)
        if isinstance(how, tuple):  # a dataclass: its value fields' getter, and whether
            getter, atomic = how    # they are all atoms (a link, a meta tag)
            if atomic:
                return (kind.__name__, *getter(obj))
            return [kind.__name__, *(self._stable(v, found) for v in getter(obj))]
        if how is _CALLABLE:
            return _name(obj)
        if how is _SET:
            return sorted(self._stable(x, found) for x in obj)
        raise TypeError(f"cannot fingerprint a {kind.__name__}: give the template plain "
                        "values, dataclasses, lists or dicts")

    def _classify(self, kind: type) -> Any:
        """How values of a type are fingerprinted: decided once a type, the first time."""
        if issubclass(kind, _ATOMS):
            return _ATOM
        if issubclass(kind, (list, tuple)):
            return _SEQUENCE
        if issubclass(kind, dict):
            return _MAPPING
        if issubclass(kind, self.shared):
            return _SHARED
        if is_dataclass(kind):
            names = _value_fields(kind)  # fields outside == are memos
            getter = attrgetter(*names) if len(names) > 1 else \
                (lambda obj: (getattr(obj, names[0]),) if names else ())
            return (getter, _atomic(kind))
        if issubclass(kind, (set, frozenset)):
            return _SET
        if any("__call__" in vars(k) for k in kind.__mro__):  # a function, a bound method
            return _CALLABLE
        return _UNKNOWN

    def _shared(self, obj: Any, found: set[str]) -> bytes:
        hit = self._memo.get(id(obj))
        if hit is None:
            inner: set[str] = set()
            kind: type = type(obj)
            value = [kind.__name__, *(self._field(getattr(obj, name), inner)
                                      for name in _value_fields(kind))]
            if isinstance(obj, self.story_types):
                inner.add(obj.slug)  # type: ignore[attr-defined]
            hit = self._memo[id(obj)] = (obj, hashlib.sha256(_dumps(value)).digest(),
                                         frozenset(inner))
        found.update(hit[2])
        return hit[1]

    def _field(self, value: Any, found: set[str]) -> Any:
        """A field of a shared object; its long texts hashed, not pickled."""
        if isinstance(value, str):
            return hashlib.sha256(value.encode()).digest() if len(value) > 256 else value
        return self._stable(value, found)


@cache
def _value_fields(kind: type) -> tuple[str, ...]:
    """The names of a dataclass's fields that make its value (not memos kept out of ==)."""
    return tuple(f.name for f in fields(kind) if f.compare)


_ATOM_TYPES = {"str", "int", "float", "bool", "bytes", "None", "date", "datetime"}


def _atomic(kind: type) -> bool:
    """Whether every value field of a dataclass is declared an atom (`str`, `int | None`):
    nothing in it to walk for stories."""
    return all(isinstance(f.type, str) and {t.strip() for t in f.type.split("|")} <=
               _ATOM_TYPES for f in fields(kind) if f.compare)


def _name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def _dumps(value: Any) -> bytes:
    """Pickle without the memo: equal values give equal bytes whether or not they share
    objects (a string read from the cache and the same string parsed afresh)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.fast = True  # no memo; our values have no cycles
    pickler.dump(value)
    return buf.getvalue()


def digest(value: Any) -> bytes:
    """A digest of a plain value (see `_dumps`)."""
    return hashlib.sha256(_dumps(value)).digest()
