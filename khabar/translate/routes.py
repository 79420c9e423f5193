"""Which installed models translate a pair: one model, or a chain through pivot languages
as argostranslate chains them (fa→fr through fa→en and en→fr).

argostranslate's ``get_installed_languages`` gives each language its packages and an
identity translation; then, language by language (in the order the packages name them),
for every translation it has, it adds a composite one to each language the target of
that translation reaches and it does not yet, until none is added.
``get_translation_from_codes`` returns the first translation to the target, so a
package for the pair always wins over a chain. :func:`find_routes` does the same over
package metadata alone, so ``translate --dry-run`` and ``models list`` name the models a
language will use without loading one, and without importing ``argostranslate.translate``
(which pulls in Stanza, spaCy and MiniSBD). Two differences, both so that the same
packages give the same route on every machine: of several versions of one pair only the
newest counts (as :func:`khabar.translate.engine.find_package` picks), and packages are
taken in name order, where Argos takes them in the order the file system lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from khabar import config as config_stage
from khabar.errors import KhabarError, MissingExtra
from khabar.translate.engine import (
    INSTALL_HINT,
    PIVOT_ARROW,
    ArgosEngine,
    Hardware,
    ModelMissing,
    Scored,
    Translator,
    _version_key,
    argos_version,
    model_identity,
)
from khabar.translate.models import (
    TRANSLATE_EXTRA,
    InstalledModel,
    list_installed,
    require_translate_extra,
)
from khabar.translate.pivot import PivotEngine
from khabar.translate.plan import made_through_pivot


@dataclass(frozen=True)
class Route:
    """The models that translate ``from_code`` into ``to_code``, in the order they run."""

    from_code: str
    to_code: str
    legs: tuple[InstalledModel, ...]

    @property
    def direct(self) -> bool:
        """One model for the pair, no pivot."""
        return len(self.legs) == 1

    @property
    def via(self) -> tuple[str, ...]:
        """The pivot languages, in order: ("en",) for fa→en→fr."""
        return tuple(leg.to_code for leg in self.legs[:-1])

    @property
    def model_name(self) -> str:
        """What provenance records: the engine's ``model_name`` for this route."""
        return PIVOT_ARROW.join(leg.name_version for leg in self.legs)

    @property
    def identity(self) -> str:
        """The loaded engine's ``identity``, from the package files alone (no model is
        loaded): the key of the translation memory."""
        return PIVOT_ARROW.join(
            f"{leg.name_version} {model_identity(leg.path)}" for leg in self.legs
        )

    def describe(self) -> str:
        """E.g. "translate-fa_en 1.9 → translate-en_fr 1.9 (via en)"."""
        if self.direct:
            return self.model_name
        return f"{self.model_name} (via {', '.join(self.via)})"


def newest_per_pair(models: Iterable[InstalledModel]) -> list[InstalledModel]:
    """One translate package per pair, the newest, in name order."""
    best: dict[tuple[str, str], InstalledModel] = {}
    for model in sorted(models, key=lambda m: (m.code, str(m.path))):
        if model.kind != "translate":
            continue
        pair = (model.from_code, model.to_code)
        held = best.get(pair)
        if held is None or _version_key(model.package_version) > _version_key(
            held.package_version
        ):
            best[pair] = model
    return sorted(best.values(), key=lambda m: (m.code, str(m.path)))


def find_routes(models: Iterable[InstalledModel]) -> dict[tuple[str, str], Route]:
    """Every pair the models translate, directly or through pivots, as Argos would chain
    them (see the module docstring)."""
    packages = newest_per_pair(models)
    order: list[str] = []
    # Each language's translations as (target, legs); legs () is Argos's identity.
    outgoing: dict[str, list[tuple[str, tuple[InstalledModel, ...]]]] = {}
    for model in packages:
        for code in (model.from_code, model.to_code):
            if code not in outgoing:
                outgoing[code] = []
                order.append(code)
        outgoing[model.from_code].append((model.to_code, (model,)))
    for code in order:
        outgoing[code].append((code, ()))
    for code in order:
        translations = outgoing[code]
        reached = {target for target, _ in translations}
        grew = True
        while grew:
            grew = False
            # Like Argos's loop, this one also walks the translations it appends.
            for middle, first in translations:
                for target, second in outgoing[middle]:
                    if target not in reached:
                        reached.add(target)
                        translations.append((target, first + second))
                        grew = True
    return {
        (code, target): Route(code, target, legs)
        for code in order
        for target, legs in outgoing[code]
        if legs
    }


def find_route(
    from_code: str, to_code: str, models: Iterable[InstalledModel]
) -> Route | None:
    """The models that would translate the pair, or None."""
    return find_routes(models).get((from_code, to_code))


def missing(
    from_code: str, to_code: str, models: Sequence[InstalledModel], where: Path | str
) -> tuple[str, str]:
    """(message, hint) for a pair no installed model serves, even through a pivot. The
    hint names the package for the pair, and a pair that would complete a route through
    a language the installed models already reach (English first: nearly every Argos
    package translates into or out of English)."""
    message = (
        f"no translation model for {from_code}→{to_code} is installed in {where}, "
        "directly or through another language"
    )
    hint = (
        f"run: khabar models install {from_code} {to_code} (downloads it), or download a "
        f"translate-{from_code}_{to_code}-*.argosmodel file on a machine with internet "
        f"access and run: {INSTALL_HINT}"
    )
    routes = find_routes(models)

    def english_first(codes: Iterable[str]) -> list[str]:
        return sorted(set(codes), key=lambda c: (c != "en", c))

    reached = english_first(t for (f, t) in routes if f == from_code and t != to_code)
    reaching = english_first(f for (f, t) in routes if t == to_code and f != from_code)
    def served(pair: tuple[str, str]) -> str:
        route = routes[pair]
        how = "is installed" if route.direct else f"is, through {', '.join(route.via)}"
        return f"{pair[0]}→{pair[1]} {how}"

    if reached:
        pivot = reached[0]
        hint += (
            f"; or translate through {pivot}: khabar models install {pivot} {to_code} "
            f"({served((from_code, pivot))})"
        )
    elif reaching:
        pivot = reaching[0]
        hint += (
            f"; or translate through {pivot}: khabar models install {from_code} {pivot} "
            f"({served((pivot, to_code))})"
        )
    return message, hint


def packages_dir_shown(packages_dir: Path | None = None) -> Path:
    """Where ``models install`` puts packages, for messages."""
    from argostranslate import settings

    return packages_dir if packages_dir is not None else Path(settings.package_data_dir)


def load_engine(
    from_code: str,
    to_code: str,
    *,
    packages_dir: Path | None = None,
    compute_type: str | None = None,
    inter_threads: int | None = None,
    hardware: Hardware | None = None,
) -> ArgosEngine | PivotEngine:
    """The engine for the pair: its own model, else a chain through pivots; ModelMissing
    (message "...; hint") when neither is installed."""
    models = list_installed(packages_dir)
    route = find_route(from_code, to_code, models)
    if route is None:
        message, hint = missing(from_code, to_code, models, packages_dir_shown(packages_dir))
        raise ModelMissing(f"{message}; {hint}")
    legs = [
        ArgosEngine.from_path(leg.path, compute_type=compute_type, inter_threads=inter_threads,
                              hardware=hardware)
        for leg in route.legs
    ]
    return legs[0] if route.direct else PivotEngine(legs)


class LazyEngine:
    """A route's engine that loads its model(s) only when a sentence has to be translated:
    its names and memory identity come from the package files, so a run whose sentences
    are all in the translation memory never loads a model."""

    def __init__(self, route: Route, hardware: Hardware | None = None) -> None:
        self.route = route
        self.hardware = hardware or Hardware()
        self._engine: ArgosEngine | PivotEngine | None = None
        self._identity: str | None = None

    @property
    def engine_name(self) -> str:
        return f"argostranslate {argos_version()}"

    @property
    def model_name(self) -> str:
        return self.route.model_name

    @property
    def identity(self) -> str:
        if self._identity is None:
            self._identity = self.route.identity
        return self._identity

    @property
    def via(self) -> tuple[str, ...]:
        return self.route.via

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    @property
    def calls(self) -> int:
        return self._engine.calls if self._engine is not None else 0

    def load(self) -> ArgosEngine | PivotEngine:
        """The engine, loaded now if it was not; ModelMissing for an incomplete package."""
        if self._engine is None:
            legs = [ArgosEngine.from_path(leg.path, hardware=self.hardware)
                    for leg in self.route.legs]
            self._engine = legs[0] if self.route.direct else PivotEngine(legs)
        return self._engine

    def translate(self, sentences: Sequence[str]) -> list[str]:
        return self.load().translate(sentences)

    def translate_scored(self, sentences: Sequence[str]) -> list[Scored]:
        return self.load().translate_scored(sentences)


def describe_engine(engine: Translator) -> str:
    """The model, or the chain of models and the pivot languages, an engine uses."""
    via: Sequence[str] = getattr(engine, "via", ())
    return f"{engine.model_name} (via {', '.join(via)})" if via else engine.model_name


class SiteRoutes:
    """Which model, or chain through a pivot, translates each pair: read from the installed
    packages' metadata once, without loading a model (the dry run and the plan need only
    names); a given engine (a test double) translates every pair."""

    def __init__(self, engine: Translator | None, hardware: Hardware | None = None) -> None:
        self.engine = engine
        self.hardware = hardware or Hardware()
        self._models: list[InstalledModel] | None = None
        self._routes: dict[tuple[str, str], Route] | None = None

    def _installed(self) -> list[InstalledModel]:
        if self._models is None:
            require_translate_extra("translate")
            self._models = list_installed()
        return self._models

    def route(self, pair: tuple[str, str]) -> Route | None:
        """The route for the pair, or None; MissingExtra without argostranslate."""
        if self._routes is None:
            self._routes = find_routes(self._installed())
        return self._routes.get(pair)

    def direct(self, from_code: str, to_code: str) -> bool:
        """For the plan: whether a model for the pair itself would translate now."""
        if self.engine is not None:
            return not made_through_pivot(self.engine.model_name)
        try:
            route = self.route((from_code, to_code))
        except MissingExtra:
            return False
        return route is not None and route.direct

    def problem(self, pair: tuple[str, str]) -> str | None:
        """One line, "message (hint: ...)", when nothing translates the pair."""
        if self.engine is not None or self.route(pair) is not None:
            return None
        message, hint = missing(*pair, self._installed(), packages_dir_shown())
        return f"{message} (hint: {hint})"

    def plan(self, pair: tuple[str, str]) -> str:
        """For the dry run: "would use MODEL", or why nothing would."""
        if self.engine is not None:
            return f"would use {describe_engine(self.engine)}"
        try:
            route = self.route(pair)
        except MissingExtra:
            return ("cannot tell which model: the translate extra is not installed "
                    f"({TRANSLATE_EXTRA})")
        if route is None:
            return f"cannot translate: {self.problem(pair)}"
        return f"would use {route.describe()}"

    def load(self, pair: tuple[str, str]) -> Translator:
        """Load the pair's model, or each model of its chain."""
        return load_engine(*pair, hardware=self.hardware)

    def lazy(self, pair: tuple[str, str]) -> Translator:
        """The pair's engine, loaded only once a sentence needs a model (``problem`` has
        said there is a route); a given engine as it is."""
        if self.engine is not None:
            return self.engine
        route = self.route(pair)
        if route is None:
            raise ModelMissing(self.problem(pair) or f"nothing translates {pair[0]}→{pair[1]}")
        return LazyEngine(route, self.hardware)

    def identity(self, pair: tuple[str, str]) -> str | None:
        """The memory key the pair's engine would use, without loading it; None when no
        model would translate it (or the translate extra is missing)."""
        if self.engine is not None:
            return self.engine.identity
        try:
            route = self.route(pair)
        except MissingExtra:
            return None
        return route.identity if route is not None else None


def list_models(installed: Sequence[InstalledModel], site: Path, out: TextIO) -> None:
    """`models list`: the installed models, the pairs they reach through a pivot, and which
    model or chain translates each language of the site in `site` (if it holds one)."""
    if not installed:
        print("no translation models installed; install one with: "
              "khabar models install FILE.argosmodel", file=out)
    for m in installed:
        print(f"{m.label}  {m.path}", file=out)
    routes = find_routes(installed)
    for (from_code, to_code), route in sorted(routes.items()):
        if not route.direct:
            print(f"{from_code}→{to_code} through {', '.join(route.via)}: {route.model_name}",
                  file=out)
    if not (site / config_stage.SITE_FILE).is_file():
        return
    try:
        config = config_stage.load(site)
    except KhabarError:
        print(f"{site / config_stage.SITE_FILE} has errors, so its languages are not shown; "
              "run: khabar check", file=out)
        return
    wanted = [(lang.translate_from, lang.code) for lang in config.languages
              if lang.translate_from]
    if wanted:
        shown = "the current folder" if site == Path(".") else str(site)
        print(f"the site in {shown}:", file=out)
    for from_code, to_code in wanted:
        serves = routes.get((from_code, to_code))
        if serves is not None:
            print(f"  {to_code} from {from_code}: {serves.describe()}", file=out)
        else:
            _message, hint = missing(from_code, to_code, installed, packages_dir_shown())
            print(f"  {to_code} from {from_code}: no model installed (hint: {hint})", file=out)


def pivot_hint(from_code: str, to_code: str, index: Sequence[Mapping[str, Any]]) -> str:
    """For `models install FROM TO` when the Argos index has no package for the pair: the
    packages, installed or in the index, that would chain through a pivot language (the
    ones `translate` would then use)."""
    installed = list_installed()
    have = {(m.from_code, m.to_code) for m in installed if m.kind == "translate"}
    offered = [InstalledModel(
        code=str(entry.get("code") or f"translate-{entry['from_code']}_{entry['to_code']}"),
        name="", from_code=str(entry["from_code"]), to_code=str(entry["to_code"]),
        package_version=str(entry.get("package_version", "")), path=Path(),
        kind=str(entry.get("type", "translate")))
        for entry in index if isinstance(entry, dict) and entry.get("from_code")
        and entry.get("to_code") and (entry["from_code"], entry["to_code"]) not in have]
    route = find_route(from_code, to_code, [*installed, *offered])
    if route is None:
        return ("see the language pairs it has at "
                "https://www.argosopentech.com/argospm/index/")
    if route.direct:
        return f"a {from_code}→{to_code} model is installed already (khabar models list)"
    needed = [leg for leg in route.legs if (leg.from_code, leg.to_code) not in have]
    done = [f"{leg.from_code}→{leg.to_code}" for leg in route.legs if leg not in needed]
    return (f"translate through {', '.join(route.via)}: "
            + " and ".join(f"khabar models install {leg.from_code} {leg.to_code}"
                           for leg in needed)
            + (f" ({', '.join(done)} installed already)" if done else ""))
