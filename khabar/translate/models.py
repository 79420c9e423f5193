"""Install and list Argos Translate packages, and keep argostranslate itself offline.

Khabar's build must never reach the network, yet stock argostranslate fetches
sentence-splitting models on first use (Stanza's ``resources.json``, MiniSBD's ONNX
files, spaCy's ``xx_sent_ud_sm``). Packages are installed from a local
``.argosmodel`` file only; :func:`offline_settings` makes the stock translation
path use what the package bundles, or Khabar's own splitter.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khabar.errors import MissingExtra
from khabar.translate.engine import installed_packages
from khabar.translate.split import split_sentences

TRANSLATE_EXTRA = "pip install 'khabar[translate]'"


def require_translate_extra(command: str) -> None:
    """Import what machine translation needs, or stop with one line saying what to install:
    without the translate extra, the missing module would end the command in a traceback
    from deep inside argostranslate."""
    for module in ("argostranslate", "argostranslate.package", "argostranslate.settings",
                   "ctranslate2", "sentencepiece"):
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtra(f"`khabar {command}` needs the translate extra, which is not "
                               f"installed ({module} cannot be imported)",
                               TRANSLATE_EXTRA) from None


class InvalidPackage(Exception):
    """The file given to ``khabar models install`` is not an Argos Translate package."""


@dataclass(frozen=True)
class InstalledModel:
    """One installed package, as ``khabar models list`` shows it."""

    code: str
    name: str
    from_code: str
    to_code: str
    package_version: str
    path: Path
    kind: str = "translate"  # Argos also packages sentence splitters ("sbd")

    @property
    def name_version(self) -> str:
        """E.g. "translate-fa_en 1.9": how provenance and ArgosEngine.model_name name it."""
        return f"{self.code} {self.package_version}".strip()

    @property
    def label(self) -> str:
        """E.g. "translate-fa_en 1.9 (fa→en)"."""
        return f"{self.code} {self.package_version} ({self.from_code}→{self.to_code})"


def _from_package(pkg: Any) -> InstalledModel:
    code = pkg.code or f"{pkg.type}-{pkg.from_code}_{pkg.to_code}"
    return InstalledModel(
        code=str(code),
        name=str(pkg),
        from_code=str(pkg.from_code),
        to_code=str(pkg.to_code),
        package_version=str(pkg.package_version),
        path=Path(pkg.package_path),
        kind=str(pkg.type or "translate"),
    )


def read_package_metadata(path: Path) -> tuple[str, dict[str, Any]]:
    """Check that ``path`` is an .argosmodel zip with one top folder; return it and metadata."""
    if not path.is_file():
        raise InvalidPackage(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise InvalidPackage(f"{path}: not an Argos Translate package (must be a zip archive)")
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.strip("/")]
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1:
            raise InvalidPackage(f"{path}: a package must hold exactly one top folder")
        top = tops.pop()
        if any(part == ".." for n in names for part in n.split("/")) or top.startswith("/"):
            raise InvalidPackage(f"{path}: unsafe file names in the archive")
        try:
            metadata = json.loads(zf.read(f"{top}/metadata.json").decode("utf-8"))
        except KeyError as err:
            raise InvalidPackage(f"{path}: no {top}/metadata.json") from err
        except ValueError as err:
            raise InvalidPackage(f"{path}: metadata.json is not valid JSON: {err}") from err
    if not isinstance(metadata, dict) or not metadata.get("from_code"):
        raise InvalidPackage(f"{path}: metadata.json lacks from_code/to_code")
    return top, metadata


def forget_loaded_models() -> None:
    """Drop argostranslate's in-process caches so a replaced package is loaded afresh."""
    translate = sys.modules.get("argostranslate.translate")
    if translate is not None:
        translate.installed_translates.clear()
        translate.get_installed_languages.cache_clear()


def install(path: Path) -> InstalledModel:
    """Install a local .argosmodel file, replacing any installed model for the same pair."""
    from argostranslate import package as argos_package
    from argostranslate import settings

    top, metadata = read_package_metadata(path)
    kind = metadata.get("type", "translate")
    for pkg in installed_packages():
        same_pair = (pkg.type, pkg.from_code, pkg.to_code) == (
            kind,
            metadata.get("from_code"),
            metadata.get("to_code"),
        )
        if same_pair or Path(pkg.package_path).name == top:
            argos_package.uninstall(pkg)
    target = Path(settings.package_data_dir) / top
    if target.exists():  # a half-extracted folder without metadata.json
        shutil.rmtree(target)
    argos_package.install_from_path(path)
    forget_loaded_models()
    return _from_package(argos_package.Package(target))


def list_installed(packages_dir: Path | None = None) -> list[InstalledModel]:
    """Every installed package, sorted by code, for ``khabar models list``."""
    found = installed_packages(packages_dir)
    return sorted((_from_package(pkg) for pkg in found), key=lambda m: (m.code, m.path))


class OfflineSentencizer:
    """Splits with what the package bundles, never downloading; else with Khabar's rules.

    Used in place of argostranslate's Stanza/MiniSBD/spaCy sentencizers, which fetch
    models on first use when the package lacks them.
    """

    def __init__(self, pkg: Any) -> None:
        self.pkg = pkg
        self._split: Any = None

    def _load(self) -> Any:
        root = Path(self.pkg.package_path)
        onnx = sorted((root / "minisbd").glob("*.onnx")) if (root / "minisbd").is_dir() else []
        if onnx:
            from argostranslate.sbd import MiniSBDSentencizer

            return MiniSBDSentencizer(self.pkg).split_sentences
        if (root / "stanza").is_dir():
            import stanza

            pipeline = stanza.Pipeline(
                lang=self.pkg.from_code,
                dir=str(root / "stanza"),
                processors="tokenize",
                download_method=None,  # the default fetches resources.json every time
                use_gpu=False,
                logging_level="WARNING",
            )
            return lambda text: [s.text for s in pipeline(text).sentences]
        if (root / "spacy").is_dir():
            import spacy

            nlp = spacy.load(root / "spacy", exclude=["parser"])
            if "sentencizer" not in nlp.pipe_names:
                nlp.add_pipe("sentencizer")
            return lambda text: [s.text for s in nlp(text).sents]
        return split_sentences

    def split_sentences(self, text: str) -> list[str]:
        """Argos's sentencizer interface."""
        if self._split is None:
            self._split = self._load()
        result: list[str] = self._split(text)
        return result


def offline_settings() -> None:
    """Make stock ``argostranslate.translate`` safe to call with no network.

    Call before importing ``argostranslate.translate`` where possible: importing it
    with ``ARGOS_CHUNK_TYPE=SPACY`` downloads spaCy's ``xx_sent_ud_sm`` unless cached,
    so that setting is reset here when no cached copy exists. Afterwards every
    sentencizer argostranslate would build is an :class:`OfflineSentencizer`.
    Idempotent; Khabar's own engine does not need it.
    """
    if "argostranslate.sbd" not in sys.modules:
        from argostranslate import settings

        spacy_cache = Path(settings.cache_dir) / "spacy" / "senter" / "model"
        if settings.chunk_type == settings.ChunkType.SPACY and not spacy_cache.exists():
            settings.chunk_type = settings.ChunkType.ARGOSTRANSLATE
            os.environ["ARGOS_CHUNK_TYPE"] = "ARGOSTRANSLATE"
    from argostranslate import translate

    translate.StanzaSentencizer = OfflineSentencizer
    translate.MiniSBDSentencizer = OfflineSentencizer
    translate.SpacySentencizerSmall = OfflineSentencizer
    forget_loaded_models()
