"""Countries and actors: each taxonomy's terms as site.yaml declares them (names in every
language, from CLDR for an ISO country code, and aliases), and the term an article's
reference names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import locales, text, yamlsrc
from .errors import Collector
from .options import SITE, keys_under
from .reader import Reader, shown_in

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Term:
    """A country or an actor: its slug, its name in every language and its aliases."""

    slug: str
    names: Mapping[str, str]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    iso: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    key: str
    title: Mapping[str, str]
    terms: Mapping[str, Term]

    def resolve(self, reference: str) -> Term | None:
        """The term an article names by slug, by name or by alias (normalised Persian)."""
        if reference in self.terms:
            return self.terms[reference]
        key = text.match_key(reference)
        for term in self.terms.values():
            names = [*term.names.values(), *(a for al in term.aliases.values() for a in al)]
            if any(text.match_key(n) == key for n in names):
                return term
        return None

    def nearest(self, reference: str) -> list[str]:
        """Declared term slugs closest to an unknown reference, for the hint."""
        candidates: dict[str, str] = {}
        for term in self.terms.values():
            candidates[term.slug] = term.slug
            for name in term.names.values():
                candidates.setdefault(text.match_key(name), term.slug)
            for al in term.aliases.values():
                for a in al:
                    candidates.setdefault(text.match_key(a), term.slug)
        close = difflib.get_close_matches(text.match_key(reference), list(candidates), n=6,
                                          cutoff=0.5)
        seen: list[str] = []
        for c in close:
            if candidates[c] not in seen:
                seen.append(candidates[c])
        return seen[:3]


def read_taxonomies(top: Reader, errors: Collector, shown: str, codes: tuple[str, ...]
                ) -> tuple[Taxonomy, ...]:
    tax_map = top.mapping("taxonomies", required=False)
    if tax_map is None:
        return ()
    out: list[Taxonomy] = []
    reserved = {"articles", "briefings", "page", "assets", "static"}
    for key, spec in tax_map.items():
        line = tax_map.line_of(key)
        if not SLUG.match(key) or key in reserved:
            errors.error(shown, line, f"taxonomies: '{key}' cannot be a taxonomy name",
                         "use a lower-case slug that is not " + ", ".join(sorted(reserved)))
            continue
        if not isinstance(spec, yamlsrc.LineDict):
            errors.error(shown, line,
                         f"taxonomies.{key}: must be a mapping with title and terms",
                         f"e.g. {key}: {{title: {{...}}, terms: {{...}}}}")
            continue
        r = Reader(spec, f"taxonomies.{key}", shown, errors,
                    keys_under(SITE, "taxonomies.KEY"))
        title = r.per_language("title", codes)
        terms_map = r.mapping("terms", required=False)
        terms: dict[str, Term] = {}
        if terms_map is not None:
            for slug, tspec in terms_map.items():
                term = _term(slug, tspec, terms_map.line_of(slug), f"taxonomies.{key}.terms",
                             shown, errors, codes)
                if term is not None:
                    terms[slug] = term
        out.append(Taxonomy(key, title, terms))
    return tuple(out)


def _term(slug: str, spec: Any, line: int, where: str, shown: str, errors: Collector,
          codes: tuple[str, ...]) -> Term | None:
    if not SLUG.match(slug):
        errors.error(shown, line, f"{where}: '{slug}' is not a valid term slug",
                     "use lower-case letters, digits and single hyphens, e.g. saudi-arabia")
        return None
    if spec is None:
        spec = yamlsrc.LineDict()
        spec.line, spec.key_lines, spec.duplicates = line, {}, []
    if not isinstance(spec, yamlsrc.LineDict):
        errors.error(shown, line, f"{where}.{slug}: must be a mapping",
                     "e.g. {iso: TR} or {fa: ..., en: ...}")
        return None
    r = Reader(spec, f"{where}.{slug}", shown, errors,
                (keys_under(SITE, "taxonomies.KEY.terms.SLUG") - {"CODE"}) | set(codes))
    names: dict[str, str] = {}
    iso = r.string("iso", required=False) or None
    if iso is not None:
        iso = iso.upper()
        for code in filter(locales.known, codes):  # an unknown code is reported already
            try:
                territory = locales.locale(code).territories.get(iso)
            except ValueError:
                territory = None
            if territory is None:
                r.error("iso", f"'{iso}' is not an ISO 3166 country code known to CLDR",
                        "use a two-letter code such as TR, LY or NO")
                iso = None
                break
            names[code] = text.clean_line(territory)
    for code in codes:
        if code in spec:
            names[code] = shown_in(r.string(code), code)
    missing = [c for c in codes if c not in names and (locales.known(c) or iso is None)]
    if missing and not ("iso" in spec and iso is None):  # a bad iso code is reported already
        errors.error(shown, line, f"{where}.{slug}: no name in {', '.join(missing)}",
                     "give an iso code or a name in every language")
    aliases: dict[str, tuple[str, ...]] = {}
    al = r.mapping("aliases", required=False)
    if al is not None:
        ar = Reader(al, f"{where}.{slug}.aliases", shown, errors, set(codes))
        for code, items in al.items():
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                ar.error(code, "must be a list of names",
                         f"write e.g. `{code}: [name, other name]`")
                continue
            aliases[code] = tuple(text.clean_line(i) for i in items)
    return Term(slug=slug, names=names, aliases=aliases, iso=iso)
