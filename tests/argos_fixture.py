"""Tiny but genuine Argos Translate packages (fa→en, en→fr, any pair), built offline in
about a second each.

Tests need real packages (sentencepiece model, CTranslate2 model, metadata,
sentence splitter) to exercise the real code paths, and must never download one.
The models have random weights, so their "translations" are gibberish, but every
file is of the kind argostranslate and CTranslate2 load from a published package.
Several pairs installed side by side (fa→en and en→fr) let tests translate through a
pivot language as Argos does.

Import order matters: ``argostranslate.settings`` reads ``ARGOS_PACKAGES_DIR``,
``XDG_*_HOME`` and ``ARGOS_CHUNK_TYPE`` when it is first imported, and importing
``argostranslate.sbd`` with ``ARGOS_CHUNK_TYPE=SPACY`` runs ``cache_spacy()``,
which downloads unless a cached model exists. :func:`prepare_argos_environment`
sets all of that up and must run before anything imports argostranslate.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FA_WORDS = _words(
    "خبر روز دولت مجلس ایران تهران اقتصاد بازار ارز دلار نفت قیمت رئیس جمهور "
    "وزیر امور خارجه سفر دیدار گفت‌وگو مذاکره توافق هسته‌ای تحریم آمریکا اروپا "
    "مردم شهر استان باران هوا سرد گرم ورزش فوتبال تیم ملی بازی پیروزی شکست "
    "دانشگاه دانشجو کتاب فرهنگ هنر سینما فیلم جشنواره می‌گوید می‌شود کرده است "
    "بود شد امروز دیروز فردا هفته ماه سال هزار میلیون درصد افزایش کاهش"
)
EN_WORDS = _words(
    "news day government parliament iran tehran economy market currency dollar oil "
    "price president minister foreign affairs trip meeting talks negotiation deal "
    "nuclear sanctions america europe people city province rain weather cold warm "
    "sport football national team game victory defeat university student book "
    "culture art cinema film festival says becomes has done was became today "
    "yesterday tomorrow week month year thousand million percent increase decrease"
)
FR_WORDS = _words(
    "nouvelles jour gouvernement parlement iran téhéran économie marché devise dollar "
    "pétrole prix président ministre affaires étrangères voyage réunion pourparlers "
    "négociation accord nucléaire sanctions amérique europe peuple ville province pluie "
    "temps froid chaud sport football équipe nationale match victoire défaite université "
    "étudiant livre culture art cinéma film festival dit devient a fait était devenu "
    "aujourd’hui hier demain semaine mois année mille million pour cent hausse baisse"
)
AR_WORDS = _words(
    "خبر يوم حكومة برلمان إيران طهران اقتصاد سوق عملة دولار نفط سعر رئيس وزير الشؤون "
    "الخارجية رحلة لقاء محادثات مفاوضات اتفاق نووي عقوبات أمريكا أوروبا الناس مدينة "
    "محافظة مطر طقس بارد حار رياضة كرة القدم فريق وطني مباراة فوز هزيمة جامعة طالب "
    "كتاب ثقافة فن سينما فيلم مهرجان يقول يصبح قد كان أصبح اليوم أمس غدا أسبوع شهر "
    "سنة ألف مليون بالمئة زيادة انخفاض"
)
DIGITS = "۰۱۲۳۴۵۶۷۸۹"
# Word lists by language; a language without one borrows English words (Latin letters).
WORDS = {"fa": FA_WORDS, "en": EN_WORDS, "fr": FR_WORDS, "ar": AR_WORDS}
DIGITS_OF = {"fa": DIGITS, "ar": "٠١٢٣٤٥٦٧٨٩"}
LANGUAGE_NAMES = {"fa": "Persian", "en": "English", "fr": "French", "ar": "Arabic"}


@dataclass(frozen=True)
class ModelShape:
    """Transformer dimensions; the defaults make a model small enough to build in a second."""

    layers: int = 2
    d_model: int = 64
    heads: int = 4
    ffn: int = 128
    spm_vocab: int = 400
    ct2_vocab: int | None = None  # pad the CTranslate2 vocabulary to this size (benchmark)
    quantization: str | None = None
    eos_bias: float = 2.5


def corpus_lines(
    seed: int, count: int = 400, from_code: str = "fa", to_code: str = "en"
) -> list[str]:
    """Pseudo-sentences in both languages of a pair (Persian and English by default, the
    same lines as before pairs were added): enough for a few hundred sentencepiece pieces."""
    rng = random.Random(seed)
    source, target = WORDS.get(from_code, EN_WORDS), WORDS.get(to_code, EN_WORDS)
    digits = DIGITS_OF.get(from_code, "0123456789")
    lines: list[str] = []
    for i in range(count):
        words = source if i % 2 == 0 else target
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14)))
        if i % 7 == 0:
            sentence += " " + "".join(rng.choice(digits) for _ in range(rng.randint(1, 4)))
        lines.append(sentence + rng.choice([".", "!", "؟", "."]))
    return lines


def _train_sentencepiece(lines: list[str], vocab_size: int) -> bytes:
    """Train a small unigram sentencepiece model in memory (deterministic: one thread)."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _build_ct2_model(out_dir: Path, vocab: list[str], shape: ModelShape, seed: int) -> None:
    """Write a random-weight CTranslate2 Transformer (pre-norm, ReLU, like argos-train's)."""
    import numpy as np
    from ctranslate2.specs import transformer_spec  # type: ignore[import-untyped]

    rng = np.random.default_rng(seed)
    d, f, v = shape.d_model, shape.ffn, len(vocab)
    scale = 1.0 / float(np.sqrt(d))

    def mat(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols), dtype=np.float32) * scale).astype(np.float32)

    def zeros(n: int) -> np.ndarray:
        return np.zeros(n, dtype=np.float32)

    def ones(n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float32)

    spec = transformer_spec.TransformerSpec.from_config(
        (shape.layers, shape.layers), shape.heads, pre_norm=True
    )

    def norm(ln: object) -> None:
        ln.gamma = ones(d)  # type: ignore[attr-defined]
        ln.beta = zeros(d)  # type: ignore[attr-defined]

    def linear(lin: object, rows: int, cols: int) -> None:
        lin.weight = mat(rows, cols)  # type: ignore[attr-defined]
        lin.bias = zeros(rows)  # type: ignore[attr-defined]

    def ffn(block: object) -> None:
        norm(block.layer_norm)  # type: ignore[attr-defined]
        linear(block.linear_0, f, d)  # type: ignore[attr-defined]
        linear(block.linear_1, d, f)  # type: ignore[attr-defined]

    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = mat(v, d)
    norm(enc.layer_norm)
    for layer in enc.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        ffn(layer.ffn)
    dec.embeddings.weight = mat(v, d)
    norm(dec.layer_norm)
    for layer in dec.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)
        linear(layer.attention.linear[1], 2 * d, d)
        linear(layer.attention.linear[2], d, d)
        ffn(layer.ffn)
    dec.projection.weight = mat(v, d)
    bias = zeros(v)
    # Random weights never pick </s> on their own, so every sentence would run to the
    # 256-token limit; a bias towards </s> keeps outputs short, as a trained model's are.
    bias[vocab.index("</s>")] = shape.eos_bias
    dec.projection.bias = bias
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    if shape.quantization:
        spec.optimize(quantization=shape.quantization)
    spec.save(str(out_dir))


def _write_spacy_splitter(out_dir: Path, lang: str) -> None:
    """A blank spaCy pipeline: argostranslate adds a rule-based sentencizer, nothing to download.

    A language spaCy has no rules for gets the multilingual ``xx`` pipeline.
    """
    import spacy

    try:
        nlp = spacy.blank(lang)
    except ImportError:  # spaCy's "no such language" error
        nlp = spacy.blank("xx")
    nlp.to_disk(out_dir)


def build_argos_package(
    workdir: Path,
    seed: int = 0,
    *,
    from_code: str = "fa",
    to_code: str = "en",
    package_version: str = "1.0",
    shape: ModelShape | None = None,
    with_spacy: bool = True,
) -> Path:
    """Build a genuine ``.argosmodel`` for the pair (fa→en by default) under ``workdir``
    and return its path.

    Different seeds give different weights (and a different model identity).
    """
    shape = shape or ModelShape()
    code = f"translate-{from_code}_{to_code}"
    top = f"{code}-{package_version.replace('.', '_')}"
    workdir.mkdir(parents=True, exist_ok=True)
    stage = workdir / f"build-{seed}-{top}"
    if stage.exists():
        shutil.rmtree(stage)
    root = stage / top
    (root / "model").mkdir(parents=True)

    import sentencepiece as spm

    spm_bytes = _train_sentencepiece(corpus_lines(seed, 400, from_code, to_code), shape.spm_vocab)
    (root / "sentencepiece.model").write_bytes(spm_bytes)
    sp = spm.SentencePieceProcessor(model_proto=spm_bytes)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if shape.ct2_vocab is not None and shape.ct2_vocab > len(vocab):
        # Synthetic word pieces give the output layer the size of a real package's.
        vocab += [f"▁x{i}" for i in range(shape.ct2_vocab - len(vocab))]
    _build_ct2_model(root / "model", vocab, shape, seed)
    if with_spacy:
        _write_spacy_splitter(root / "spacy", from_code)
    from_name = LANGUAGE_NAMES.get(from_code, from_code)
    to_name = LANGUAGE_NAMES.get(to_code, to_code)
    metadata = {
        "package_version": package_version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_name,
        "to_code": to_code,
        "to_name": to_name,
        "type": "translate",
        "code": code,
        "package_name": f"{from_name} to {to_name} (Khabar test fixture, seed {seed})",
        "links": [],
    }
    (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    (root / "README.md").write_text(
        f"Random-weight {from_code}→{to_code} package built by tests/argos_fixture.py; "
        "not a real translator.\n",
        encoding="utf-8",
    )
    out = workdir / f"{top}-seed{seed}.argosmodel"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, path.relative_to(stage).as_posix())
    shutil.rmtree(stage)
    return out


@dataclass(frozen=True)
class ArgosEnv:
    """Where the isolated argostranslate installation lives, for tests to inspect."""

    root: Path
    packages_dir: Path
    package_file: Path
    installed_dir: Path


ARGOS_ENV_VARS = (
    "ARGOS_PACKAGES_DIR",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "ARGOS_CHUNK_TYPE",
    "ARGOS_PACKAGE_INDEX",
    "ARGOS_DEVICE_TYPE",
)


def prepare_argos_environment(root: Path) -> dict[str, str]:
    """Point argostranslate at ``root`` and make its import offline; return the env it set.

    Must run before the first ``import argostranslate...``: ``argostranslate.settings``
    reads these variables once, at import time. If it was already imported (another
    test imported it first), the module attributes are rewritten to match instead.
    ``ARGOS_CHUNK_TYPE=SPACY`` makes the stock path split with the package's bundled
    blank spaCy pipeline; ``cache_spacy()`` (run when ``argostranslate.sbd`` is imported
    in that mode) downloads ``xx_sent_ud_sm`` unless ``<cache>/spacy/senter/model``
    exists, so a blank stand-in is written there first.
    """
    env = {
        "ARGOS_PACKAGES_DIR": str(root / "packages"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "ARGOS_CHUNK_TYPE": "SPACY",
        # Never reachable: a stray update_package_index() fails fast instead of going online.
        "ARGOS_PACKAGE_INDEX": (root / "no-index").as_uri() + "/",
        "ARGOS_DEVICE_TYPE": "cpu",
    }
    for value in (env["ARGOS_PACKAGES_DIR"],):
        Path(value).mkdir(parents=True, exist_ok=True)
    spacy_cache = root / "cache" / "argos-translate" / "spacy"
    if not (spacy_cache / "senter" / "model").exists():
        spacy_cache.mkdir(parents=True, exist_ok=True)
        _write_spacy_splitter(spacy_cache, "xx")
        (spacy_cache / "senter" / "model").mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    if "argostranslate.settings" in sys.modules:
        _retarget_loaded_settings(root, env)
    return env


def _retarget_loaded_settings(root: Path, env: dict[str, str]) -> None:
    """Rewrite an already-imported ``argostranslate.settings`` to the new directories."""
    from argostranslate import settings

    settings.data_dir = root / "data" / "argos-translate"
    settings.config_dir = root / "config" / "argos-translate"
    settings.cache_dir = root / "cache" / "argos-translate"
    settings.downloads_dir = settings.cache_dir / "downloads"
    settings.settings_file = settings.config_dir / "settings.json"
    settings.package_data_dir = Path(env["ARGOS_PACKAGES_DIR"])
    settings.package_dirs = [settings.package_data_dir]
    settings.package_index = env["ARGOS_PACKAGE_INDEX"]
    settings.remote_package_index = settings.package_index + "index.json"
    settings.local_package_index = settings.data_dir / "index.json"
    settings.chunk_type = settings.ChunkType.SPACY
    settings.device = "cpu"
    for directory in (settings.data_dir, settings.config_dir, settings.downloads_dir):
        directory.mkdir(parents=True, exist_ok=True)
    if "argostranslate.translate" in sys.modules:
        from argostranslate import translate

        translate.installed_translates.clear()
        translate.get_installed_languages.cache_clear()


def install_fixture_package(env: dict[str, str], package_file: Path) -> Path:
    """Install ``package_file`` with argostranslate's own installer; return the package dir."""
    from argostranslate import package

    package.install_from_path(package_file)
    with zipfile.ZipFile(package_file) as zf:
        top = zf.namelist()[0].split("/")[0]
    return Path(env["ARGOS_PACKAGES_DIR"]) / top


# argostranslate.settings is process-wide, so the environment is too: one per process,
# even if both conftest.py and a test module register the fixture below.
_ACTIVE: list[ArgosEnv] = []


def setup_argos_env(root: Path) -> ArgosEnv:
    """Prepare the environment under ``root`` and install the seed-0 package, once per process."""
    if _ACTIVE:
        return _ACTIVE[0]
    env = prepare_argos_environment(root)
    package_file = build_argos_package(root / "build", seed=0)
    installed = install_fixture_package(env, package_file)
    active = ArgosEnv(root, Path(env["ARGOS_PACKAGES_DIR"]), package_file, installed)
    _ACTIVE.append(active)
    return active


@pytest.fixture(scope="session")
def argos_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArgosEnv]:
    """A session-wide isolated argostranslate with the tiny fa→en package installed.

    Session-scoped, so it sets ``os.environ`` directly (``monkeypatch`` is function-scoped)
    and restores the previous values when the session ends. Tests that install or remove
    packages must do so in their own directory (see ``isolated_packages``), not here.
    """
    if _ACTIVE:
        yield _ACTIVE[0]
        return
    saved = {name: os.environ.get(name) for name in ARGOS_ENV_VARS}
    try:
        yield setup_argos_env(tmp_path_factory.mktemp("argos"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def isolated_packages(
    argos_env: ArgosEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An empty packages directory that argostranslate installs into, for this test only."""
    from argostranslate import settings

    packages = tmp_path / "packages"
    packages.mkdir()
    monkeypatch.setattr(settings, "package_data_dir", packages)
    monkeypatch.setattr(settings, "package_dirs", [packages])
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages))
    yield packages
    if "argostranslate.translate" in sys.modules:
        from argostranslate import translate

        translate.installed_translates.clear()
        translate.get_installed_languages.cache_clear()


# Built packages by (from, to, seed, version): building one takes about a second, and
# several tests install the same pairs into their own directories.
_BUILT: dict[tuple[str, str, int, str], Path] = {}


def fixture_package(
    workdir: Path, from_code: str, to_code: str, *, seed: int = 0, package_version: str = "1.0"
) -> Path:
    """The ``.argosmodel`` for the pair, built under ``workdir`` once per process."""
    key = (from_code, to_code, seed, package_version)
    built = _BUILT.get(key)
    if built is None or not built.is_file():
        where = workdir / f"{from_code}_{to_code}-{seed}-{package_version}"
        built = build_argos_package(
            where, seed, from_code=from_code, to_code=to_code,
            package_version=package_version, with_spacy=False,
        )
        _BUILT[key] = built
    return built


def install_pairs(
    workdir: Path, *pairs: tuple[str, str], seed: int = 0, package_version: str = "1.0"
) -> list[Path]:
    """Build (or reuse) and install a package for each (from, to) pair with argostranslate's
    own installer, into wherever its settings point now; return the package folders."""
    from argostranslate import package, settings

    folders: list[Path] = []
    for from_code, to_code in pairs:
        file = fixture_package(
            workdir, from_code, to_code, seed=seed, package_version=package_version
        )
        package.install_from_path(file)
        with zipfile.ZipFile(file) as zf:
            top = zf.namelist()[0].split("/")[0]
        folders.append(Path(settings.package_data_dir) / top)
    if "argostranslate.translate" in sys.modules:
        from argostranslate import translate

        translate.installed_translates.clear()
        translate.get_installed_languages.cache_clear()
    return folders


@pytest.fixture
def argos_pairs(
    argos_env: ArgosEnv, isolated_packages: Path
) -> Callable[..., list[Path]]:
    """Installs packages for the given pairs into this test's own packages directory:
    ``argos_pairs(("fa", "en"), ("en", "fr"))``. Offline; each pair is built once per
    session (about a second) and installed by argostranslate in a few milliseconds."""

    def install(
        *pairs: tuple[str, str], seed: int = 0, package_version: str = "1.0"
    ) -> list[Path]:
        return install_pairs(
            argos_env.root / "pairs", *pairs, seed=seed, package_version=package_version
        )

    return install
