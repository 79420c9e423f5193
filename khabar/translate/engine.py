"""A fast, offline, batched translation engine over an installed Argos Translate package.

``argostranslate.translate.translate`` splits each paragraph with a sentence model
that may download (Stanza's resources.json, MiniSBD's ONNX files, spaCy's
``xx_sent_ud_sm``) and runs CTranslate2 once per paragraph in 32-token batches on
one worker. This engine takes sentences already split by
:func:`khabar.translate.split.split_sentences`, sends them all to the package's own
CTranslate2 model in one ``translate_batch`` call, spread over every core, and
decodes them exactly as Argos does. It imports only ``argostranslate.package``
and ``argostranslate.settings``, never ``argostranslate.translate`` (which pulls in
Stanza, spaCy and MiniSBD). :class:`khabar.translate.pivot.PivotEngine` chains
engines through a pivot language (fa→en, then en→fr).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Protocol

INSTALL_HINT = "khabar models install FILE.argosmodel"

# What argostranslate 1.11's apply_packaged_translation passes to translate_batch.
ARGOS_LENGTH_PENALTY = 0.2
ARGOS_MAX_DECODING_LENGTH = 256  # CTranslate2's default; Argos does not set it
ARGOS_MIN_DECODING_LENGTH = 1  # CTranslate2's default
MAX_BATCH_EXAMPLES = 64
MAX_BATCH_EXAMPLES_CUDA = 512  # one GPU worker takes far larger batches than a CPU core
DEVICES = ("cpu", "cuda", "auto")
# Joins the models of a pivot chain in provenance ("translate-fa_en 1.9 → translate-en_fr 1.9")
# and in its translation-memory identity; no single model's name or identity holds it.
PIVOT_ARROW = " → "


class ModelMissing(Exception):
    """No installed package translates the requested pair; the message says how to get one."""


class Translator(Protocol):
    """What the run needs of an engine: ArgosEngine, PivotEngine, or a test double."""

    @property
    def engine_name(self) -> str: ...

    @property
    def model_name(self) -> str: ...

    @property
    def identity(self) -> str: ...

    @property
    def calls(self) -> int: ...

    def translate(self, sentences: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class Scored:
    """A translation and the model's confidence in it: the mean log probability of its
    word pieces (the end-of-sentence one included), 0 at best; None when unknown."""

    text: str
    score: float | None


def translate_scored(engine: Translator, sentences: Sequence[str]) -> list[Scored]:
    """The engine's translations with its confidences, where it gives them (ArgosEngine,
    PivotEngine, LazyEngine); another engine's have none."""
    scored = getattr(engine, "translate_scored", None)
    if callable(scored):
        got: list[Scored] = scored(sentences)
        return got
    return [Scored(text, None) for text in engine.translate(sentences)]


class DeviceError(Exception):
    """The asked device cannot be used; the message says why and what to do."""

    def __init__(self, message: str, hint: str) -> None:
        self.message, self.hint = message, hint
        super().__init__(f"{message} (hint: {hint})")


@dataclass(frozen=True)
class Hardware:
    """Where and how the models run: `translate --device` and `--threads`.

    On the CPU, `threads` workers (default: one per core) each decode their own sub-batch
    on one thread, the layout measured fastest in bench/README_translate.md. On a CUDA GPU,
    one worker takes much larger batches, with `threads` CPU threads for the host's part.
    """

    device: str = "cpu"  # "cpu" or "cuda" (`auto` is resolved by `resolve`)
    threads: int | None = None

    @property
    def inter_threads(self) -> int:
        if self.device == "cuda":
            return 1
        return self.threads or max(1, os.cpu_count() or 1)

    @property
    def intra_threads(self) -> int:
        if self.device == "cuda":
            return self.threads or 0  # 0: CTranslate2's default
        return 1

    @property
    def max_batch(self) -> int:
        """Most sentences in one sub-batch."""
        return MAX_BATCH_EXAMPLES_CUDA if self.device == "cuda" else MAX_BATCH_EXAMPLES


def cuda_devices() -> int:
    """How many CUDA devices CTranslate2 can use here (0 without CUDA, or a CPU-only build)."""
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except RuntimeError:  # a CUDA driver that cannot be initialised
        return 0


def resolve(device: str = "cpu", threads: int | None = None) -> Hardware:
    """The hardware for `--device cpu|cuda|auto` and `--threads N`: `auto` is CUDA where
    CTranslate2 sees a GPU, else the CPU; `cuda` without one is a DeviceError."""
    if device not in DEVICES:
        raise DeviceError(f"unknown device '{device}'", "use cpu, cuda or auto")
    if threads is not None and threads < 1:
        raise DeviceError(f"--threads {threads}: must be at least 1",
                          "give a whole number of threads, e.g. --threads 4")
    if device == "cpu":
        return Hardware("cpu", threads)
    found = cuda_devices()
    if device == "auto":
        return Hardware("cuda" if found else "cpu", threads)
    if not found:
        raise DeviceError(
            "--device cuda: CTranslate2 finds no CUDA GPU on this machine",
            "run with --device cpu (or auto); a GPU needs the NVIDIA driver, CUDA 12 and "
            "cuDNN 9 libraries, and a ctranslate2 wheel built with CUDA (the PyPI one is)")
    return Hardware("cuda", threads)


class Tokenizer(Protocol):
    """The part of argostranslate's tokenizers the engine needs (SentencePiece or BPE)."""

    def encode(self, sentence: str) -> list[str]: ...

    def decode(self, tokens: list[str]) -> str: ...


@dataclass(frozen=True)
class DecodeSettings:
    """Search settings for one ``translate_batch`` call; defaults mirror argostranslate's."""

    beam_size: int
    length_penalty: float = ARGOS_LENGTH_PENALTY
    max_decoding_length: int = ARGOS_MAX_DECODING_LENGTH
    min_decoding_length: int = ARGOS_MIN_DECODING_LENGTH
    replace_unknowns: bool = True


def mean_log_prob(score: float, tokens: int, length_penalty: float) -> float:
    """The mean log probability per word piece of a hypothesis, from the score CTranslate2
    returns for it (`return_scores=True`).

    That score is not a mean: CTranslate2 (4.x) divides the hypothesis' summed log
    probability by `length ** length_penalty`, `length` being its tokens plus the
    end-of-sentence token, and Argos's penalty is 0.2. So the sum is `score * length **
    length_penalty`, and the mean is that over `length`. A model with a target prefix
    (multilingual packages) counts the prefix as a token, a small bias this ignores."""
    length = max(1, tokens + 1)
    return float(score * length ** length_penalty / length)


def argos_version() -> str:
    """The installed argostranslate version, for the engine's name in caches and reports."""
    try:
        return importlib_metadata.version("argostranslate")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def pick_compute_type(device: str = "cpu") -> str:
    """int8 where the CPU supports it (4x smaller, ~2x faster), else CTranslate2's choice;
    on a GPU int8 weights with float16 arithmetic where it has them, else float16."""
    import ctranslate2

    supported = ctranslate2.get_supported_compute_types(device)
    if device == "cuda":
        for kind in ("int8_float16", "float16"):
            if kind in supported:
                return kind
        return "auto"
    return "int8" if "int8" in supported else "auto"


def model_identity(package_path: Path) -> str:
    """A digest of the package files that decide the output, so a changed model changes it.

    Content is hashed rather than mtimes: reinstalling the same file keeps the identity
    (and a translation cache keyed on it) valid, while any retrained model changes it.
    """
    digest = hashlib.sha256()
    candidates = [
        package_path / "metadata.json",
        package_path / "sentencepiece.model",
        package_path / "bpe.model",
        *sorted((package_path / "model").glob("*")),
    ]
    for path in candidates:
        if not path.is_file():
            continue
        digest.update(path.relative_to(package_path).as_posix().encode())
        digest.update(b"\0")
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


def _version_key(version: str) -> tuple[int, ...]:
    """Order package versions like "1.9" < "1.10" without depending on ``packaging``."""
    parts: list[int] = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def installed_packages(packages_dir: Path | None = None) -> list[Any]:
    """Installed argostranslate ``Package`` objects, skipping folders that are not packages.

    ``argostranslate.package.get_installed_packages`` raises on any stray folder
    without ``metadata.json``; one half-copied download should not hide the rest.
    """
    from argostranslate import package as argos_package
    from argostranslate import settings

    roots = [packages_dir] if packages_dir is not None else [Path(p) for p in settings.package_dirs]
    found: list[Any] = []
    for root in roots:
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if (child / "metadata.json").is_file():
                found.append(argos_package.Package(child))
    return found


def find_package(from_code: str, to_code: str, packages_dir: Path | None = None) -> Any:
    """The newest installed argostranslate ``Package`` for the pair, or raise ModelMissing."""
    from argostranslate import settings

    where = packages_dir if packages_dir is not None else Path(settings.package_data_dir)
    matches = [
        pkg
        for pkg in installed_packages(packages_dir)
        if pkg.type == "translate" and pkg.from_code == from_code and pkg.to_code == to_code
    ]
    if not matches:
        raise ModelMissing(_missing_message(from_code, to_code, where))
    return max(matches, key=lambda pkg: _version_key(str(pkg.package_version)))


def _missing_message(from_code: str, to_code: str, where: Path) -> str:
    return (
        f"no translation model for {from_code}→{to_code} is installed in {where}; "
        f"download the Argos Translate package for {from_code}→{to_code} "
        f"(a translate-{from_code}_{to_code}-*.argosmodel file) on a machine with "
        f"internet access, then run: {INSTALL_HINT}"
    )


class ArgosEngine:
    """Translates many sentences in one CTranslate2 call with an installed Argos package."""

    def __init__(
        self,
        package: Any,
        translator: Any,
        tokenizer: Tokenizer,
        *,
        compute_type: str,
        inter_threads: int,
        hardware: Hardware | None = None,
    ) -> None:
        from argostranslate import settings

        self._package = package
        self._translator = translator
        self._tokenizer = tokenizer
        self._target_prefix: str = str(getattr(package, "target_prefix", "") or "")
        self._identity: str | None = None
        self.package_path = Path(package.package_path)
        self.compute_type = compute_type
        self.inter_threads = inter_threads
        self.hardware = hardware or Hardware("cpu", inter_threads)
        self.defaults = DecodeSettings(beam_size=int(settings.beam_size))
        self.calls = 0

    @classmethod
    def load(
        cls,
        from_code: str,
        to_code: str,
        *,
        packages_dir: Path | None = None,
        compute_type: str | None = None,
        inter_threads: int | None = None,
        hardware: Hardware | None = None,
    ) -> ArgosEngine:
        """Find the installed package for the pair and load its model for batched use."""
        package = find_package(from_code, to_code, packages_dir)
        return cls.from_package(package, compute_type=compute_type, inter_threads=inter_threads,
                                hardware=hardware)

    @classmethod
    def from_path(
        cls, path: Path, *, compute_type: str | None = None, inter_threads: int | None = None,
        hardware: Hardware | None = None,
    ) -> ArgosEngine:
        """Load the package installed in ``path`` (one leg of a pivot route)."""
        from argostranslate import package as argos_package

        return cls.from_package(
            argos_package.Package(path), compute_type=compute_type, inter_threads=inter_threads,
            hardware=hardware,
        )

    @classmethod
    def from_package(
        cls, package: Any, *, compute_type: str | None = None, inter_threads: int | None = None,
        hardware: Hardware | None = None,
    ) -> ArgosEngine:
        """Load an argostranslate ``Package``'s CTranslate2 model for batched use, on
        `hardware` (default: every CPU core, one worker each); ``inter_threads`` is the
        older way to give the CPU workers."""
        import ctranslate2

        tokenizer: Tokenizer | None = getattr(package, "tokenizer", None)
        model_dir = Path(package.package_path) / "model"
        if tokenizer is None or not (model_dir / "model.bin").is_file():
            raise ModelMissing(
                f"the package in {package.package_path} is incomplete (needs model/model.bin "
                f"and sentencepiece.model or bpe.model); reinstall it with: {INSTALL_HINT}"
            )
        hw = hardware or Hardware("cpu", inter_threads)
        compute = compute_type or pick_compute_type(hw.device)
        translator = ctranslate2.Translator(
            str(model_dir),
            device=hw.device,
            compute_type=compute,
            inter_threads=hw.inter_threads,
            intra_threads=hw.intra_threads,
        )
        return cls(package, translator, tokenizer, compute_type=compute,
                   inter_threads=hw.inter_threads, hardware=hw)

    @property
    def from_code(self) -> str:
        """The language the model reads."""
        return str(self._package.from_code)

    @property
    def to_code(self) -> str:
        """The language the model writes."""
        return str(self._package.to_code)

    @property
    def engine_name(self) -> str:
        """Names the software that produced a translation, e.g. "argostranslate 1.11.0"."""
        return f"argostranslate {argos_version()}"

    @property
    def model_name(self) -> str:
        """Names the model, e.g. "translate-fa_en 1.9", for provenance notes."""
        code = self._package.code or (
            f"{self._package.type}-{self._package.from_code}_{self._package.to_code}"
        )
        return f"{code} {self._package.package_version}".strip()

    @property
    def identity(self) -> str:
        """Stable for one model, different for any other: key translation caches on it."""
        if self._identity is None:
            self._identity = f"{self.model_name} {model_identity(self.package_path)}"
        return self._identity

    def source_length(self, sentence: str) -> int:
        """Tokens the model sees for ``sentence``, to size decoding-length limits."""
        return len(self._tokenizer.encode(sentence))

    def translate(
        self,
        sentences: Sequence[str],
        *,
        beam_size: int | None = None,
        min_decoding_length: int | None = None,
        max_decoding_length: int | None = None,
    ) -> list[str]:
        """Translate sentences in one batched model call; blank ones stay blank.

        Identical sentences are translated once. ``self.calls`` grows by the number
        of sentences actually sent to the model.
        """
        return [r.text for r in self.translate_scored(
            sentences, beam_size=beam_size, min_decoding_length=min_decoding_length,
            max_decoding_length=max_decoding_length)]

    def translate_scored(
        self,
        sentences: Sequence[str],
        *,
        beam_size: int | None = None,
        min_decoding_length: int | None = None,
        max_decoding_length: int | None = None,
    ) -> list[Scored]:
        """`translate`, each sentence with the model's confidence in its translation (see
        :func:`mean_log_prob`); a blank sentence's is None."""
        results = [Scored("", None) for _ in sentences]
        unique: dict[str, list[int]] = {}
        for index, sentence in enumerate(sentences):
            text = sentence.strip()
            if text:
                unique.setdefault(text, []).append(index)
        if not unique:
            return results
        settings = DecodeSettings(
            beam_size=beam_size or self.defaults.beam_size,
            min_decoding_length=(
                min_decoding_length
                if min_decoding_length is not None
                else self.defaults.min_decoding_length
            ),
            max_decoding_length=max_decoding_length or self.defaults.max_decoding_length,
        )
        texts = list(unique)
        translated = self._run(texts, settings)
        self.calls += len(texts)
        for text, value in zip(texts, translated, strict=True):
            for index in unique[text]:
                results[index] = value
        return results

    def _run(self, texts: list[str], settings: DecodeSettings) -> list[Scored]:
        """One translate_batch over all texts, as argostranslate would call it per paragraph."""
        tokenized = [self._tokenizer.encode(text) for text in texts]
        target_prefix = [[self._target_prefix] for _ in tokenized] if self._target_prefix else None
        # Sub-batches (sorted by length inside CTranslate2) are spread over the workers.
        per_worker = -(-len(tokenized) // self.inter_threads)
        batches = self._translator.translate_batch(
            tokenized,
            target_prefix=target_prefix,
            max_batch_size=max(1, min(self.hardware.max_batch, per_worker)),
            batch_type="examples",
            beam_size=settings.beam_size,
            num_hypotheses=1,
            length_penalty=settings.length_penalty,
            max_decoding_length=settings.max_decoding_length,
            min_decoding_length=settings.min_decoding_length,
            replace_unknowns=settings.replace_unknowns,
            return_scores=True,
        )
        out: list[Scored] = []
        for batch in batches:
            tokens = list(batch.hypotheses[0])
            scores = list(getattr(batch, "scores", None) or [])
            score = (mean_log_prob(float(scores[0]), len(tokens), settings.length_penalty)
                     if scores else None)
            out.append(Scored(self._detokenize(tokens), score))
        return out

    def _detokenize(self, tokens: list[str]) -> str:
        """Mirror argostranslate's post-processing: decode, drop the prefix, one leading space."""
        value = self._tokenizer.decode(tokens)
        if self._target_prefix and value.startswith(self._target_prefix):
            value = value[len(self._target_prefix) :]
        if value.startswith(" "):
            value = value[1:]
        return value

