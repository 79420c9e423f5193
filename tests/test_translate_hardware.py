"""`translate --device cpu|cuda|auto` and `--threads N` reach CTranslate2 (issue "Machine
translation that knows the news"). Checked on the CPU: the Translator is created with what
was asked; a GPU is stood in for where the test needs one, and `cuda` on a machine without
one is one error line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import ctranslate2
import pytest
from argos_fixture import ArgosEnv
from conftest import Run, write

from khabar.cli import main
from khabar.translate import command, engine
from khabar.translate.engine import Hardware, pick_compute_type, resolve

NEWS = "content/news"


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every ctranslate2.Translator made, by its keyword arguments; the real one is made."""
    made: list[dict[str, Any]] = []
    real = ctranslate2.Translator

    def record(model_path: str, **kw: Any) -> Any:
        made.append(kw)
        return real(model_path, **kw)

    monkeypatch.setattr(ctranslate2, "Translator", record)
    return made


def gpus(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: count)


def test_cpu_threads_reach_ctranslate2(argos_env: ArgosEnv, mini_site: Path,
                                       cli: Callable[..., Run],
                                       created: list[dict[str, Any]]) -> None:
    run = cli("translate", "--site", mini_site, "--device", "cpu", "--threads", "2")
    assert run.code == 0, run.err
    assert created == [{"device": "cpu", "compute_type": pick_compute_type("cpu"),
                        "inter_threads": 2, "intra_threads": 1}]
    assert (mini_site / NEWS / "turkey-brief.en.md").is_file()


def test_auto_without_a_gpu_runs_on_the_cpu_on_every_core(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run],
        created: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    gpus(monkeypatch, 0)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 3)
    run = cli("translate", "--site", mini_site, "--device", "auto")
    assert run.code == 0, run.err
    assert [(c["device"], c["inter_threads"], c["intra_threads"]) for c in created] == \
        [("cpu", 3, 1)]


def test_cuda_without_a_gpu_is_one_error_line_and_writes_nothing(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run],
        created: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    gpus(monkeypatch, 0)
    before = sorted(p.name for p in (mini_site / NEWS).iterdir())
    run = cli("translate", "--site", mini_site, "--device", "cuda")
    assert run.code == 1
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert lines[0].startswith("khabar: error: --device cuda: CTranslate2 finds no CUDA GPU "
                               "on this machine (hint: run with --device cpu (or auto)")
    assert "Traceback" not in run.err + run.out
    assert created == [] and sorted(p.name for p in (mini_site / NEWS).iterdir()) == before


class FakeGpuTranslator:
    """Stands in for a CTranslate2 Translator on a GPU: records each batch, and answers."""

    batches: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, model_path: str, **kw: Any) -> None:
        self.kw = kw

    def translate_batch(self, source: Sequence[Sequence[str]], **kw: Any) -> list[Any]:
        FakeGpuTranslator.batches.append({"sentences": len(source), **kw})
        return [SimpleNamespace(hypotheses=[["▁gpu"]], scores=[-0.4]) for _ in source]


def test_cuda_gets_one_worker_the_threads_and_larger_batches(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch) -> None:
    gpus(monkeypatch, 1)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types",
                        lambda device: {"float32", "float16", "int8_float16"}
                        if device == "cuda" else {"float32"})
    made: list[dict[str, Any]] = []

    def translator(model_path: str, **kw: Any) -> FakeGpuTranslator:
        made.append(kw)
        return FakeGpuTranslator(model_path, **kw)

    monkeypatch.setattr(ctranslate2, "Translator", translator)
    FakeGpuTranslator.batches = []
    sentences = " ".join(f"جمله شماره {i} درباره بازار است." for i in range(100))
    write(mini_site / NEWS / "long.fa.md", f"""
        ---
        title: خبر بلند
        date: 2024-11-23T10:00
        ---
        {sentences}
        """)
    run = cli("translate", "--site", mini_site, "--device", "cuda", "--threads", "3")
    assert run.code == 0, run.err
    assert made == [{"device": "cuda", "compute_type": "int8_float16", "inter_threads": 1,
                     "intra_threads": 3}]
    [batch] = FakeGpuTranslator.batches  # every sentence of the run in one call
    assert batch["sentences"] > 100 and batch["max_batch_size"] == batch["sentences"]
    assert batch["return_scores"] is True
    assert "gpu" in (mini_site / NEWS / "long.en.md").read_text(encoding="utf-8")


def test_the_cpu_batches_stay_small(argos_env: ArgosEnv, mini_site: Path,
                                    cli: Callable[..., Run],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The same run on one CPU worker: sub-batches of 64, as before."""
    seen: list[int] = []
    real = ctranslate2.Translator

    class Recording:
        def __init__(self, model_path: str, **kw: Any) -> None:
            self._real = real(model_path, **kw)

        def translate_batch(self, source: Any, **kw: Any) -> Any:
            seen.append(kw["max_batch_size"])
            return self._real.translate_batch(source, **kw)

    monkeypatch.setattr(ctranslate2, "Translator", Recording)
    sentences = " ".join(f"جمله شماره {i} درباره بازار است." for i in range(100))
    write(mini_site / NEWS / "long.fa.md", f"""
        ---
        title: خبر بلند
        date: 2024-11-23T10:00
        ---
        {sentences}
        """)
    assert cli("translate", "--site", mini_site, "--threads", "1").code == 0
    assert seen == [engine.MAX_BATCH_EXAMPLES]


def test_threads_must_be_a_positive_number(mini_site: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for args, said in ((["--threads", "0"], "'0' is not a number of threads"),
                       (["--threads", "x"], "'x' is not a number of threads"),
                       (["--device", "tpu"], "invalid choice: 'tpu'")):
        with pytest.raises(SystemExit) as info:
            main(["translate", "--site", str(mini_site), *args])
        assert info.value.code == 2
        assert said in capsys.readouterr().err


def test_hardware_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 8)
    assert (Hardware().inter_threads, Hardware().intra_threads) == (8, 1)
    assert (Hardware("cpu", 2).inter_threads, Hardware("cpu", 2).max_batch) == (2, 64)
    gpu = Hardware("cuda", 4)
    assert (gpu.inter_threads, gpu.intra_threads, gpu.max_batch) == (1, 4, 512)
    assert Hardware("cuda").intra_threads == 0  # CTranslate2's default
    gpus(monkeypatch, 2)
    assert resolve("auto") == Hardware("cuda") and resolve("cpu", 3) == Hardware("cpu", 3)
    assert command.CHUNK_CUDA > command.CHUNK
