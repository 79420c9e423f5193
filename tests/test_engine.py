"""The offline translation engine, against a tiny but genuine fa→en Argos package."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import argos_fixture
import pytest
from argos_fixture import ArgosEnv, build_argos_package

from khabar.translate import models
from khabar.translate.engine import ArgosEngine, ModelMissing
from khabar.translate.split import join, split_sentences

# Registered here too so this file runs on its own; one environment per process either way.
argos_env = argos_fixture.argos_env
isolated_packages = argos_fixture.isolated_packages

SENTENCES = [
    "نرخ تورم در ماه گذشته ۳.۵ درصد افزایش یافت.",
    "وزیر امور خارجه امروز به اروپا سفر کرد.",
    "تیم ملی فوتبال ایران پیروز شد!",
    "آیا مذاکرات ادامه دارد؟",
    "قیمت دلار در بازار تهران کاهش یافت.",
]


@pytest.fixture(scope="module")
def engine(argos_env: ArgosEnv) -> ArgosEngine:
    return ArgosEngine.load("fa", "en")


def test_engine_names_the_model_and_software(engine: ArgosEngine) -> None:
    assert engine.engine_name.startswith("argostranslate ")
    assert engine.model_name == "translate-fa_en 1.0"
    assert engine.identity.startswith("translate-fa_en 1.0 ")
    assert engine.identity == ArgosEngine.load("fa", "en").identity


def test_translates_a_batch_one_output_per_sentence(engine: ArgosEngine) -> None:
    before = engine.calls
    out = engine.translate([*SENTENCES, "  ", SENTENCES[0]])
    assert len(out) == len(SENTENCES) + 2
    assert all(isinstance(s, str) for s in out)
    assert sum(1 for s in out[: len(SENTENCES)] if s.strip()) >= len(SENTENCES) - 1
    assert out[-2] == ""  # blank stays blank, without a model call
    assert out[-1] == out[0]  # duplicates are translated once
    assert engine.calls - before == len(SENTENCES)
    assert engine.translate([]) == []
    assert engine.calls - before == len(SENTENCES)


def test_output_is_deterministic_and_batch_independent(engine: ArgosEngine) -> None:
    batch = engine.translate(SENTENCES)
    singles = [engine.translate([s])[0] for s in SENTENCES]
    assert batch == singles
    assert engine.translate(SENTENCES) == batch


def test_decoding_length_overrides(engine: ArgosEngine) -> None:
    out = engine.translate(SENTENCES[:2], beam_size=1, min_decoding_length=6, max_decoding_length=6)
    for text in out:
        assert text  # six tokens, so never empty
    out = engine.translate(SENTENCES[:2], max_decoding_length=1)
    assert all(len(text.split()) <= 1 for text in out)


def test_matches_stock_argostranslate(argos_env: ArgosEnv) -> None:
    """Same model, same settings: the batched engine decodes exactly as Argos does."""
    from argostranslate import translate

    engine = ArgosEngine.load("fa", "en", compute_type="auto", inter_threads=1)
    # Split as Argos does (its spaCy sentencizer cuts "۳.۵" in two; split_sentences does not).
    sentencizer = translate.get_translation_from_codes("fa", "en").underlying.sentencizer
    for paragraph in SENTENCES:
        expected = translate.translate(paragraph, "fa", "en")
        assert join(engine.translate(sentencizer.split_sentences(paragraph))) == expected


def test_missing_model_says_how_to_install(argos_env: ArgosEnv, tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match=re.escape("khabar models install FILE.argosmodel")):
        ArgosEngine.load("fa", "en", packages_dir=tmp_path / "nothing-here")
    empty = tmp_path / "empty"
    (empty / "half-copied").mkdir(parents=True)  # no metadata.json: skipped, not an error
    with pytest.raises(ModelMissing, match="fa→en"):
        ArgosEngine.load("fa", "en", packages_dir=empty)
    with pytest.raises(ModelMissing, match="de→en"):
        ArgosEngine.load("de", "en")


def test_install_list_and_replace_changes_identity(isolated_packages: Path, tmp_path: Path) -> None:
    assert models.list_installed() == []
    first = models.install(build_argos_package(tmp_path / "b0", seed=0, with_spacy=False))
    assert (first.code, first.package_version) == ("translate-fa_en", "1.0")
    assert (first.from_code, first.to_code) == ("fa", "en")
    assert [m.package_version for m in models.list_installed()] == ["1.0"]
    old = ArgosEngine.load("fa", "en")
    old_identity = old.identity

    changed = build_argos_package(tmp_path / "b1", seed=1, package_version="1.1", with_spacy=False)
    second = models.install(changed)
    assert second.package_version == "1.1"
    listed = models.list_installed()
    assert [(m.code, m.package_version) for m in listed] == [("translate-fa_en", "1.1")]
    assert listed[0].path == isolated_packages / "translate-fa_en-1_1"
    new = ArgosEngine.load("fa", "en")
    assert new.model_name == "translate-fa_en 1.1"
    assert new.identity != old_identity

    # Same version, different weights: the identity still changes.
    same_version = build_argos_package(tmp_path / "b2", seed=2, package_version="1.1")
    models.install(same_version)
    assert ArgosEngine.load("fa", "en").identity not in (old_identity, new.identity)
    assert models.list_installed(isolated_packages / "missing") == []


def test_install_rejects_a_non_package(isolated_packages: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "x.argosmodel"
    bogus.write_text("not a zip")
    with pytest.raises(models.InvalidPackage, match="zip"):
        models.install(bogus)


def test_network_guard_engine_and_stock_path(argos_env: ArgosEnv, no_network: list[Any]) -> None:
    engine = ArgosEngine.load("fa", "en")
    assert len(engine.translate(SENTENCES)) == len(SENTENCES)
    from argostranslate import translate

    translate.translate("خبر روز. دولت گفت.", "fa", "en")
    assert no_network == []


def test_offline_settings_replaces_downloading_sentencizers(
    argos_env: ArgosEnv, no_network: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from argostranslate import translate

    for name in ("StanzaSentencizer", "MiniSBDSentencizer", "SpacySentencizerSmall"):
        monkeypatch.setattr(translate, name, getattr(translate, name))  # restored afterwards
    models.offline_settings()
    models.offline_settings()  # idempotent
    assert translate.MiniSBDSentencizer is models.OfflineSentencizer
    result = translate.translate("خبر روز. دولت گفت؟", "fa", "en")
    assert isinstance(result, str)
    assert no_network == []
    models.forget_loaded_models()


def test_split_sentences_keeps_numbers_abbreviations_and_zwnj() -> None:
    text = "نرخ تورم ۳.۵ درصد شد. دکتر ا. ب. نامی گفت: «کار شدنی است.» آیا می‌شود؟ بله!"
    assert split_sentences(text) == [
        "نرخ تورم ۳.۵ درصد شد.",
        "دکتر ا. ب. نامی گفت: «کار شدنی است.»",
        "آیا می‌شود؟",
        "بله!",
    ]
    assert "\u200c" in split_sentences(text)[2]
    assert split_sentences("Mr. Smith paid $3.50 in the U.S. today. Done") == [
        "Mr. Smith paid $3.50 in the U.S. today.",
        "Done",
    ]
    assert split_sentences("خط اول\nخط دوم… سوم") == ["خط اول", "خط دوم…", "سوم"]
    assert split_sentences("  \n ") == []
    assert join(["One.", " ", "Two. "]) == "One. Two."
