"""Translation through a pivot language (fa→fr through fa→en and en→fr), as Argos chains
models, with tiny but genuine packages (tests/argos_fixture.py) and the network refused:
the route Argos would take, the real CTranslate2 path for each leg, provenance naming
every model, a translation memory that keeps pivot output apart, and a direct model
taking over once installed."""

from __future__ import annotations

import io
import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import argos_fixture
import pytest
from argos_fixture import ArgosEnv
from conftest import Run, snapshot, write

from khabar.build import build
from khabar.content import split_front_matter
from khabar.translate import command, models
from khabar.translate.command import MEMORY_FILE, translate_site
from khabar.translate.engine import ArgosEngine
from khabar.translate.memory import TranslationMemory
from khabar.translate.models import InstalledModel
from khabar.translate.pivot import PivotEngine
from khabar.translate.routes import Route, find_route, find_routes, load_engine
from khabar.translate.split import join
from khabar.yamlsrc import load as load_yaml

# Registered here too so this file runs on its own; one environment per process either way.
argos_env = argos_fixture.argos_env
isolated_packages = argos_fixture.isolated_packages
argos_pairs = argos_fixture.argos_pairs

PIVOT = "translate-fa_en 1.0 → translate-en_fr 1.0"

SITE_YAML = """
title: {fa: خبرنامه, en: Briefing, fr: Bulletin}
base_url: https://news.example.net/briefing/
timezone: Asia/Tehran
default_language: fa
languages:
  fa: {name: فارسی, dir: rtl}
  en: {name: English, dir: ltr, translate_from: fa}
  fr: {name: Français, dir: ltr, translate_from: fa}
"""

REPORT = """
---
title: گزارش درباره لیبی
date: 2024-11-23T10:00
summary: خلاصه‌ای کوتاه از گزارش.
---
## پیشینه خبر

نیروهای حفتر با ترکیه دیدار کردند. به گفته [منابع](https://example.org/src) همکاری ادامه دارد.

- مورد اول
- مورد دوم با `کد`
"""

BRIEF = """
---
title: دیدار در اسلو
date: 2024-11-24T18:30
kind: brief
---
نمایندگان در اسلو دیدار کردند. قیمت نفت کاهش یافت!
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Persian originals; English and French both translated from Persian."""
    root = tmp_path / "site"
    write(root / "site.yaml", SITE_YAML)
    write(root / "content/news/libya-report.fa.md", REPORT)
    write(root / "content/news/oslo-brief.fa.md", BRIEF)
    return root


def front(path: Path) -> dict[str, Any]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    data = load_yaml(parts[0])
    assert isinstance(data, dict)
    return data


def translation_of(path: Path) -> dict[str, Any]:
    block = front(path)["translation"]
    assert isinstance(block, dict)
    return block


def one_error_line(run: Run) -> str:
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert run.code == 1 and len(lines) == 1, run.err
    assert lines[0].startswith("khabar: error: ") and "Traceback" not in run.err
    return lines[0]


# -- the route: Argos's own choice ------------------------------------------------------------

def model(from_code: str, to_code: str, version: str = "1.0") -> InstalledModel:
    code = f"translate-{from_code}_{to_code}"
    return InstalledModel(code, code, from_code, to_code, version, Path(f"/p/{code}-{version}"))


def test_direct_model_wins_and_pivots_name_every_model() -> None:
    installed = [model("fa", "en"), model("en", "fr"), model("en", "fr", "1.9")]
    route = find_route("fa", "fr", installed)
    assert route is not None and not route.direct and route.via == ("en",)
    assert route.model_name == "translate-fa_en 1.0 → translate-en_fr 1.9"  # newest en→fr
    assert route.describe() == "translate-fa_en 1.0 → translate-en_fr 1.9 (via en)"
    direct = find_route("fa", "fr", [*installed, model("fa", "fr")])
    assert direct is not None and direct.direct and direct.describe() == "translate-fa_fr 1.0"
    assert find_route("fr", "fa", installed) is None
    assert find_route("fa", "fa", installed) is None  # no identity "route"
    sbd = InstalledModel("sbd", "sbd", "fa", "fr", "1.0", Path("/p/sbd"), kind="sbd")
    assert find_route("fa", "fr", [sbd]) is None


def _argos_chain(translation: Any) -> list[tuple[str, str]]:
    """The packages behind one of argostranslate's translations, in the order they run."""
    from argostranslate import translate

    if isinstance(translation, translate.CachedTranslation):
        return _argos_chain(translation.underlying)
    if isinstance(translation, translate.CompositeTranslation):
        return _argos_chain(translation.t1) + _argos_chain(translation.t2)
    if isinstance(translation, translate.PackageTranslation):
        return [(translation.pkg.from_code, translation.pkg.to_code)]
    assert isinstance(translation, translate.IdentityTranslation)
    return []


@pytest.fixture
def argos_without_packages(argos_env: ArgosEnv, monkeypatch: pytest.MonkeyPatch
                           ) -> Iterator[Callable[[list[InstalledModel]], None]]:
    """argostranslate.translate made to see given package metadata, and nothing else."""
    from argostranslate import package, translate

    class NoSplitter:
        def __init__(self, pkg: Any) -> None:
            self.pkg = pkg

    for name in ("StanzaSentencizer", "MiniSBDSentencizer", "SpacySentencizerSmall"):
        monkeypatch.setattr(translate, name, NoSplitter)

    def show(installed: list[InstalledModel]) -> None:
        fakes = [SimpleNamespace(type="translate", from_code=m.from_code, to_code=m.to_code,
                                 from_name=m.from_code, to_name=m.to_code,
                                 packaged_sbd_path=None) for m in installed]
        monkeypatch.setattr(package, "get_installed_packages", lambda path=None: fakes)
        models.forget_loaded_models()

    yield show
    models.forget_loaded_models()


def test_routes_are_the_ones_argostranslate_chooses(
        argos_without_packages: Callable[[list[InstalledModel]], None]) -> None:
    """Random sets of pairs, several pivots and chains of three included: for every pair,
    the models Khabar would chain are those argostranslate's get_translation_from_codes
    chains, given the packages in the same order."""
    from argostranslate import translate

    codes = ["ar", "de", "en", "fa", "fr", "tr"]
    rng = random.Random(10)
    pivots = longest = 0
    for _ in range(60):
        pairs = rng.sample([(a, b) for a in codes for b in codes if a != b], rng.randint(1, 9))
        installed = sorted((model(a, b) for a, b in pairs), key=lambda m: m.code)
        argos_without_packages(installed)
        routes = find_routes(installed)
        present = {c for m in installed for c in (m.from_code, m.to_code)}
        for source in present:
            for target in present - {source}:
                expected = _argos_chain(translate.get_translation_from_codes(source, target)) \
                    if translate.get_language_from_code(source).get_translation(
                        translate.get_language_from_code(target)) else None
                route = routes.get((source, target))
                got = [(leg.from_code, leg.to_code) for leg in route.legs] if route else None
                assert got == expected, (installed, source, target)
                if route and not route.direct:
                    pivots += 1
                    longest = max(longest, len(route.legs))
    assert pivots > 50 and longest >= 3  # the sample did exercise chains


# -- the engine: each leg batched, as Argos's composite translation ---------------------------

SENTENCES = [
    "وزیر امور خارجه امروز به اروپا سفر کرد.",
    "تیم ملی فوتبال ایران پیروز شد!",
    "قیمت دلار در بازار تهران کاهش یافت.",
]


def test_pivot_engine_decodes_as_argos_composite_translation(
        argos_pairs: Callable[..., list[Path]], no_network: list[Any]) -> None:
    """Same models, same settings: fa→en then en→fr, batched, gives what
    argostranslate.translate(text, "fa", "fr") gives through its CompositeTranslation."""
    from argostranslate import translate

    argos_pairs(("fa", "en"), ("en", "fr"))
    engine = load_engine("fa", "fr", compute_type="auto", inter_threads=1)
    assert isinstance(engine, PivotEngine) and engine.via == ("en",)
    assert engine.model_name == PIVOT
    composite = translate.get_translation_from_codes("fa", "fr")
    assert _argos_chain(composite) == [("fa", "en"), ("en", "fr")]
    # Split the English as Argos's en→fr package would (Khabar's own splitter otherwise).
    second_split = composite.t2.underlying.sentencizer.split_sentences
    first_split = composite.t1.underlying.sentencizer.split_sentences
    as_argos = PivotEngine(engine.legs, split=second_split)
    for paragraph in SENTENCES:
        expected = translate.translate(paragraph, "fa", "fr")
        assert join(as_argos.translate(first_split(paragraph))) == expected
    before = engine.calls
    out = engine.translate([*SENTENCES, " ", SENTENCES[0]])
    assert len(out) == len(SENTENCES) + 2 and out[-2] == "" and out[-1] == out[0]
    assert engine.calls - before >= 2 * len(SENTENCES)  # both legs asked, duplicates once
    assert no_network == []


def test_pivot_identity_combines_both_models(argos_pairs: Callable[..., list[Path]]) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    pivot = load_engine("fa", "fr")
    first, second = ArgosEngine.load("fa", "en"), ArgosEngine.load("en", "fr")
    assert isinstance(pivot, PivotEngine)
    assert pivot.identity == f"{first.identity} → {second.identity}"
    assert pivot.identity not in (first.identity, second.identity)
    assert pivot.engine_name == first.engine_name
    assert isinstance(load_engine("fa", "en"), ArgosEngine)
    with pytest.raises(ValueError, match="does not feed"):
        PivotEngine([second, first])
    with pytest.raises(ValueError, match="at least two"):
        PivotEngine([first])


# -- khabar translate through a pivot ---------------------------------------------------------

def test_translate_to_fr_through_en(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run],
        no_network: list[Any], tmp_path: Path) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    run = cli("translate", "--site", site, "--to", "fr")
    assert run.code == 0, run.err
    assert f"fr from fa: {PIVOT} (via en)" in run.out
    news = site / "content/news"
    made = news / "libya-report.fr.md"
    tr = translation_of(made)
    assert tr["model"] == PIVOT and tr["from"] == "fa" and tr["status"] == "machine"
    assert re.fullmatch(r"argostranslate \d+\.\d+\.\d+", tr["engine"])
    body = made.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert body.count("## ") == 1 and body.count("\n- ") == 2
    assert "](https://example.org/src)" in body and "`کد`" in body
    assert (news / "oslo-brief.fr.md").is_file()
    assert not (news / "libya-report.en.md").exists()  # --to fr: English left for later
    # the second run asks neither model anything
    again = cli("translate", "--site", site, "--to", "fr")
    assert again.code == 0 and "0 by the model" in again.out, again.out
    # pages and feeds name both models, as the front matter does
    out = tmp_path / "out"
    build(site, out)
    page = (out / "fr/articles/libya-report/index.html").read_text(encoding="utf-8")
    assert "notice-machine" in page and f"<bdi>{PIVOT}</bdi>" in page
    feeds = [p for p in out.joinpath("fr").rglob("*") if p.suffix in (".xml", ".atom")
             or p.name in ("feed.xml", "atom.xml", "rss.xml")]
    assert feeds, sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))[:40]
    assert any(PIVOT in p.read_text(encoding="utf-8") for p in feeds)
    assert no_network == []


def test_memory_keeps_pivot_and_direct_translations_apart(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    assert cli("translate", "--site", site).code == 0  # English directly, French via English
    direct = ArgosEngine.load("fa", "en").identity
    pivot = load_engine("fa", "fr").identity
    with TranslationMemory.open(site / MEMORY_FILE) as memory:
        per_model = dict(memory.stats().per_model)
        assert set(per_model) == {direct, pivot}
        assert per_model[direct] == per_model[pivot]  # the same Persian sentences, twice
        sentence = "نمایندگان در اسلو دیدار کردند."
        english = memory.lookup_many(direct, [sentence])[sentence]
        french = memory.lookup_many(pivot, [sentence])[sentence]
    assert english and french and english != french


def test_one_run_translates_every_language_with_its_own_models(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    run = cli("translate", "--site", site)
    assert run.code == 0, run.err
    assert "en from fa: translate-fa_en 1.0\n" in run.out
    assert f"fr from fa: {PIVOT} (via en)\n" in run.out
    assert "translated 4 article(s)" in run.out
    news = site / "content/news"
    assert translation_of(news / "libya-report.en.md")["model"] == "translate-fa_en 1.0"
    assert translation_of(news / "libya-report.fr.md")["model"] == PIVOT


def test_tmx_labels_each_unit_with_its_own_languages(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run],
        tmp_path: Path) -> None:
    """One memory holds a site's every target language: English units are labelled en,
    the French ones (through the pivot) fr, all from fa."""
    argos_pairs(("fa", "en"), ("en", "fr"))
    assert cli("translate", "--site", site).code == 0
    dest = tmp_path / "memory.tmx"
    assert cli("translate", "--site", site, "--export-tmx", dest).code == 0
    from lxml import etree
    tree = etree.parse(str(dest))
    assert tree.find("header").get("srclang") == "fa"
    langs = {}
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for tu in tree.iter("tu"):
        model = tu.findtext("prop")
        langs.setdefault(model, set()).add(tuple(t.get(xml_lang) for t in tu.iter("tuv")))
    by_model = {("fr" if "→" in m else "en"): pairs for m, pairs in langs.items()}
    assert by_model == {"en": {("fa", "en")}, "fr": {("fa", "fr")}}, langs


def test_dry_run_names_the_model_or_chain_per_language(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    before = snapshot(site)
    run = cli("translate", "--site", site, "--dry-run")
    assert run.code == 0, run.err
    assert "en from fa: would use translate-fa_en 1.0\n" in run.out
    assert f"fr from fa: would use {PIVOT} (via en)\n" in run.out
    assert "libya-report.fr.md (missing)" in run.out
    assert snapshot(site) == before


def test_a_direct_model_installed_later_takes_over_from_the_pivot(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    """A machine file made through en is made again with the fa→fr model once that is
    installed (a chain compounds two models' errors); a hand-edited one is kept, and the
    English files, made directly, are not touched."""
    argos_pairs(("fa", "en"), ("en", "fr"))
    assert cli("translate", "--site", site).code == 0
    news = site / "content/news"
    edited = news / "oslo-brief.fr.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("\n---\n", "\n---\nRelu. ", 1),
                      encoding="utf-8")
    kept = {p: p.read_bytes() for p in (edited, news / "libya-report.en.md",
                                        news / "oslo-brief.en.md")}
    argos_pairs(("fa", "fr"), seed=7)
    dry = cli("translate", "--site", site, "--dry-run")
    assert ("libya-report.fr.md (made through a pivot; a fa→fr model is installed now)"
            in dry.out), dry.out
    assert "fr from fa: would use translate-fa_fr 1.0\n" in dry.out
    assert "keep" in dry.out and "oslo-brief.fr.md (edited by a person)" in dry.out
    run = cli("translate", "--site", site)
    assert run.code == 0, run.err
    assert "fr from fa: translate-fa_fr 1.0\n" in run.out and "0 by the model" not in run.out
    assert translation_of(news / "libya-report.fr.md")["model"] == "translate-fa_fr 1.0"
    assert {p: p.read_bytes() for p in kept} == kept
    again = cli("translate", "--site", site)
    assert again.code == 0 and "translated 0 article(s)" in again.out, again.out


def test_the_plan_replaces_only_pivot_files_with_a_direct_model(site: Path) -> None:
    """The rule, without models: a machine file whose model names a chain is retranslated
    when the engine for the pair is one model; a direct file is not."""

    class Direct:
        engine_name, model_name, identity, calls = "stub 1", "stub-fa_fr 1", "stub #1", 0

        def translate(self, sentences: list[str]) -> list[str]:
            return [f"FR<{len(s)}>" for s in sentences]

    class Chain(Direct):
        model_name, identity = "stub-fa_en 1 → stub-en_fr 1", "stub #1 → stub #2"

    def run(engine: Direct, **kw: Any) -> str:
        out = io.StringIO()
        assert translate_site(site, to_lang="fr", engine=engine, out=out,  # type: ignore[arg-type]
                              err=io.StringIO(), **kw) == 0
        return out.getvalue()

    run(Chain())
    made = site / "content/news/libya-report.fr.md"
    assert translation_of(made)["model"] == "stub-fa_en 1 → stub-en_fr 1"
    assert "translated 0 article(s)" in run(Chain())  # another chain: no change
    assert "translated 2 article(s)" in run(Direct())  # a direct model: retranslated
    assert translation_of(made)["model"] == "stub-fa_fr 1"
    assert "translated 0 article(s)" in run(Chain())  # a chain never replaces a direct file


def test_no_model_even_through_a_pivot_is_one_line(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    argos_pairs(("fa", "en"))
    before = snapshot(site)
    line = one_error_line(cli("translate", "--site", site, "--to", "fr"))
    assert "no translation model for fa→fr is installed" in line
    assert "directly or through another language" in line
    assert "khabar models install fa fr" in line and "khabar models install FILE.argosmodel" in line
    assert "or translate through en: khabar models install en fr (fa→en is installed)" in line
    # every language at once: English could be done, but nothing is written
    line = one_error_line(cli("translate", "--site", site))
    assert "fa→fr" in line
    assert snapshot(site) == before
    dry = cli("translate", "--site", site, "--dry-run")
    assert dry.code == 0 and "fr from fa: cannot translate: no translation model" in dry.out


def test_a_broken_pivot_package_is_one_line(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    _fa_en, en_fr = argos_pairs(("fa", "en"), ("en", "fr"))
    (en_fr / "model" / "model.bin").unlink()  # a half-copied package
    line = one_error_line(cli("translate", "--site", site, "--to", "fr"))
    assert f"the package in {en_fr} is incomplete" in line
    assert "(hint: reinstall it with: khabar models install FILE.argosmodel)" in line


def test_no_model_at_all_suggests_a_pivot_from_the_other_end(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run]) -> None:
    argos_pairs(("en", "fr"))
    line = one_error_line(cli("translate", "--site", site, "--to", "fr"))
    assert "or translate through en: khabar models install fa en (en→fr is installed)" in line


# -- khabar models ----------------------------------------------------------------------------

def test_models_list_shows_pivot_pairs_and_what_the_site_needs(
        argos_pairs: Callable[..., list[Path]], site: Path, cli: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    yaml_text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(
        yaml_text.replace("fr: Bulletin}", "fr: Bulletin, ar: النشرة}")
        + "  ar: {name: العربية, dir: rtl, translate_from: fa}\n", encoding="utf-8")
    monkeypatch.chdir(site)  # like every command, the site is the current folder by default
    run = cli("models", "list")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("translate-en_fr 1.0 (en→fr)  ")
    assert lines[1].startswith("translate-fa_en 1.0 (fa→en)  ")
    assert lines[2] == f"fa→fr through en: {PIVOT}"
    assert lines[3] == "the site in the current folder:"
    assert lines[4] == "  en from fa: translate-fa_en 1.0"
    assert lines[5] == f"  fr from fa: {PIVOT} (via en)"
    assert lines[6].startswith("  ar from fa: no model installed (hint: run: khabar models "
                               "install fa ar")
    assert "or translate through en: khabar models install en ar" in lines[6]
    assert len(lines) == 7
    out = io.StringIO()
    assert command.models_command("list", None, None, out=out, site=site) == 0
    assert f"the site in {site}:" in out.getvalue()


def test_models_list_outside_a_site_or_with_a_broken_one(
        argos_pairs: Callable[..., list[Path]], tmp_path: Path, cli: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    monkeypatch.chdir(tmp_path)
    run = cli("models", "list")
    assert run.code == 0 and "the site in" not in run.out
    write(tmp_path / "site.yaml", "title: [broken\n")
    run = cli("models", "list")
    assert run.code == 0 and "site.yaml has errors" in run.out and "khabar check" in run.out


def test_models_list_site_option(argos_pairs: Callable[..., list[Path]], site: Path,
                                 cli: Callable[..., Run], tmp_path: Path) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    run = cli("models", "list", "--site", site)
    assert run.code == 0 and f"the site in {site}:" in run.out, run.out
    assert f"  fr from fa: {PIVOT} (via en)" in run.out
    assert "the site in" not in cli("models", "list", "--site", tmp_path / "nothing").out


def test_models_install_a_pair_the_index_lacks_names_the_pivot_pair(
        argos_pairs: Callable[..., list[Path]], cli: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch, no_network: list[Any]) -> None:
    index = [{"from_code": a, "to_code": b, "package_version": "1.9", "type": "translate",
              "code": f"translate-{a}_{b}", "links": [f"https://models.example/{a}_{b}"]}
             for a, b in (("fa", "en"), ("en", "fa"), ("en", "fr"), ("fr", "en"))]
    monkeypatch.setattr(command, "fetch", lambda url, timeout=30.0: json.dumps(index).encode())
    line = one_error_line(cli("models", "install", "fa", "fr"))
    assert "the Argos package index has no package from fa to fr" in line
    assert ("(hint: translate through en: khabar models install fa en and "
            "khabar models install en fr)") in line
    argos_pairs(("fa", "en"))
    line = one_error_line(cli("models", "install", "fa", "fr"))
    assert "(hint: translate through en: khabar models install en fr (fa→en installed " \
        "already))" in line
    line = one_error_line(cli("models", "install", "fa", "xx"))
    assert "https://www.argosopentech.com/argospm/index/" in line
    assert no_network == []


def test_missing_hint_names_a_pair_that_completes_a_chain() -> None:
    from khabar.translate.routes import missing

    message, hint = missing("fa", "fr", [model("fa", "de"), model("de", "en")], "/p")
    assert message == ("no translation model for fa→fr is installed in /p, directly or "
                       "through another language")
    assert hint.endswith("; or translate through en: khabar models install en fr "
                         "(fa→en is, through de)")
    _message, hint = missing("fa", "fr", [], "/p")
    assert "through" not in hint and "khabar models install fa fr" in hint


def test_dry_run_without_the_translate_extra_still_plans(
        site: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("argostranslate", "argostranslate.package", "argostranslate.settings",
                 "ctranslate2", "sentencepiece"):
        monkeypatch.setitem(sys.modules, name, None)
    run = cli("translate", "--site", site, "--dry-run")
    assert run.code == 0, run.err
    assert ("fr from fa: cannot tell which model: the translate extra is not installed "
            "(pip install 'khabar[translate]')") in run.out


def test_route_type_is_plain_data() -> None:
    route = Route("fa", "fr", (model("fa", "en"), model("en", "fr")))
    assert route == Route("fa", "fr", (model("fa", "en"), model("en", "fr")))
    assert route.via == ("en",) and not route.direct
