"""Benchmark: stock ``argostranslate.translate.translate`` vs Khabar's batched ``ArgosEngine``.

Run by hand (not part of pytest), from the repository root::

    python bench/translate_bench.py --sentences 60 --runs 3

Both paths use the SAME random-weight model with the shape of the published fa→en
Argos package (Transformer base as argos-train builds it: 6+6 layers, d_model 512,
8 heads, FFN 2048, pre-norm ReLU, 50,000-token vocabulary, int8), the SAME texts and
the SAME splitter (``khabar.translate.split``, installed into the stock path by
``models.offline_settings()`` because the package bundles no Stanza/MiniSBD model),
and decode exactly the same number of tokens per sentence: random weights would
otherwise run every sentence to the 256-token limit, so both paths are forced to
``min_decoding_length == max_decoding_length == L`` with ``L ≈ 1.3 × mean source
tokens``. The engine takes them as keyword overrides; for the stock path the
CTranslate2 translator Argos created is wrapped so every ``translate_batch`` call
gets the same two keywords (Argos's own beam size 4, length penalty 0.2, 32-token
batches and thread settings are left as they are).

Argos remembers the previous call's paragraphs (``CachedTranslation``), so each
run uses freshly generated texts and no text is ever timed twice on a path.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

BASE_SHAPE = {
    "layers": 6,
    "d_model": 512,
    "heads": 8,
    "ffn": 2048,
    "spm_vocab": 2000,
    "ct2_vocab": 50_000,
    "quantization": "int8",
    "eos_bias": 0.0,
}


@dataclass
class RunResult:
    """Timings of one run: both paths over the same fresh texts."""

    sentences: int
    stock_s: float
    engine_s: float

    @property
    def ratio(self) -> float:
        return self.stock_s / self.engine_s


def make_paragraphs(seed: int, sentences: int) -> list[str]:
    """Fresh Persian news-like paragraphs of 2-5 sentences, ``sentences`` in total."""
    from argos_fixture import DIGITS, FA_WORDS

    rng = random.Random(seed)
    paragraphs: list[str] = []
    left = sentences
    while left > 0:
        count = min(left, rng.randint(2, 5))
        parts = []
        for _ in range(count):
            words = [rng.choice(FA_WORDS) for _ in range(rng.randint(8, 22))]
            if rng.random() < 0.3:
                words.insert(
                    rng.randrange(len(words)), f"{rng.choice(DIGITS)}.{rng.choice(DIGITS)}"
                )
            parts.append(" ".join(words) + rng.choice([".", ".", "؟", "!"]))
        paragraphs.append(" ".join(parts))
        left -= count
    return paragraphs


class ForcedLength:
    """Wraps Argos's CTranslate2 translator so every call decodes exactly ``length`` tokens."""

    def __init__(self, inner: Any, length: int) -> None:
        self.inner = inner
        self.length = length

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["min_decoding_length"] = self.length
        kwargs["max_decoding_length"] = self.length
        return self.inner.translate_batch(*args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=60, help="sentences per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--length-factor", type=float, default=1.3)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp dir")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="khabar-bench-"))
    import argos_fixture

    env = argos_fixture.prepare_argos_environment(workdir / "argos")
    t0 = time.perf_counter()
    shape = argos_fixture.ModelShape(**BASE_SHAPE)  # type: ignore[arg-type]
    package_file = argos_fixture.build_argos_package(
        workdir / "build", seed=0, shape=shape, with_spacy=False
    )
    argos_fixture.install_fixture_package(env, package_file)
    print(f"built base-shaped package in {time.perf_counter() - t0:.1f}s: {package_file}")

    from argostranslate import translate as argos_translate

    from khabar.translate import models
    from khabar.translate.engine import ArgosEngine
    from khabar.translate.split import split_sentences

    models.offline_settings()  # stock path: no Stanza/MiniSBD download, Khabar's splitter
    engine = ArgosEngine.load("fa", "en")
    # Fix L once, from a sample, so both paths decode identical lengths in every run.
    sample = [s for p in make_paragraphs(10_000, 200) for s in split_sentences(p)]
    mean_src = statistics.mean(engine.source_length(s) for s in sample)
    length = max(2, math.ceil(args.length_factor * mean_src))
    print(f"mean source length {mean_src:.1f} tokens -> decoding exactly L={length} tokens")

    # Warm both paths (model load, first allocations) on text never timed.
    # The stock translator is built exactly as PackageTranslation.hypotheses() builds it.
    import ctranslate2
    from argostranslate import settings

    stock = argos_translate.get_translation_from_codes("fa", "en").underlying
    stock.translator = ForcedLength(
        ctranslate2.Translator(
            str(stock.pkg.package_path / "model"),
            device=settings.device,
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
            compute_type=settings.compute_type,
        ),
        length,
    )
    warm = make_paragraphs(20_000, 4)
    argos_translate.translate(" ".join(warm), "fa", "en")
    engine.translate(
        [s for p in warm for s in split_sentences(p)],
        min_decoding_length=length,
        max_decoding_length=length,
    )

    results: list[RunResult] = []
    for run in range(args.runs):
        paragraphs = make_paragraphs(run + 1, args.sentences)
        n = sum(len(split_sentences(p)) for p in paragraphs)

        start = time.perf_counter()
        stock = [argos_translate.translate(p, "fa", "en") for p in paragraphs]
        stock_s = time.perf_counter() - start

        start = time.perf_counter()
        sentences = [s for p in paragraphs for s in split_sentences(p)]
        ours = engine.translate(sentences, min_decoding_length=length, max_decoding_length=length)
        engine_s = time.perf_counter() - start

        assert len(stock) == len(paragraphs) and len(ours) == n
        result = RunResult(n, stock_s, engine_s)
        results.append(result)
        print(
            f"run {run + 1}: {n} sentences  stock {n / stock_s:6.2f} sent/s ({stock_s:.2f}s)  "
            f"engine {n / engine_s:6.2f} sent/s ({engine_s:.2f}s)  ratio {result.ratio:.1f}x"
        )

    stock_rate = statistics.median(r.sentences / r.stock_s for r in results)
    engine_rate = statistics.median(r.sentences / r.engine_s for r in results)
    print()
    print(f"python {platform.python_version()}, {engine.engine_name}, cores {os.cpu_count()}")
    print(f"engine: compute_type={engine.compute_type} inter_threads={engine.inter_threads}")
    print(f"median stock : {stock_rate:.2f} sentences/s")
    print(f"median engine: {engine_rate:.2f} sentences/s")
    print(f"median ratio : {statistics.median(r.ratio for r in results):.1f}x")


if __name__ == "__main__":
    main()
