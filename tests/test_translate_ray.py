"""`khabar translate --ray`: the model's batches on Ray actors, with the tiny genuine fa→en
package (tests/argos_fixture.py), offline, on one local Ray instance for the module.

The output and the memory must be byte for byte those of a local run; an actor killed
mid-batch loses nothing; a driver stopped mid-run leaves a memory the next run continues
from."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argos_fixture import ArgosEnv
from conftest import SITES, Run, in_ci, snapshot, write

from khabar.translate import command, ray_run
from khabar.translate.command import MEMORY_FILE, translate_site

try:
    import ray
except ImportError:  # pragma: no cover - the extra is missing
    if in_ci():
        pytest.fail("ray is not installed (pip install 'khabar[ray]'); under CI=true a "
                    "missing extra fails the run", pytrace=False)
    pytest.skip("ray is not installed (pip install 'khabar[ray]')", allow_module_level=True)

BATCH = 8  # sentences per batch: small, so a run is many batches
WORDS = ["نیروها", "دولت", "ترکیه", "لیبی", "مذاکرات", "گزارش", "امروز", "شهر", "مردم",
         "رئیس", "جمهور", "دیدار", "کرد", "گفت", "ادامه", "دارد", "نشست", "وزیر"]


def _sentence(n: int) -> str:
    picked = [WORDS[(n * 7 + i * 5) % len(WORDS)] for i in range(3 + n % 4)]
    return " ".join(picked) + f" {n}."


def make_site(root: Path, articles: int = 10, per: int = 7) -> Path:
    """tests/sites/mini with `articles` more stories of `per` distinct sentences each."""
    site = root / "site"
    shutil.copytree(SITES / "mini", site)
    n = 0
    for a in range(articles):
        lines = []
        for _ in range(per):
            lines.append(_sentence(n))
            n += 1
        write(site / f"content/news/story-{a}.fa.md", textwrap.dedent(f"""
            ---
            title: خبر شماره {a} درباره {WORDS[a % len(WORDS)]}
            date: 2024-{1 + a // 28 % 12:02d}-{1 + a % 28:02d}T10:00
            ---
            """).lstrip("\n") + "\n\n".join(lines) + "\n")
    return site


def memory_rows(site: Path) -> list[tuple[Any, ...]]:
    """The memory's contents, without when a row was made or how often it was read."""
    with sqlite3.connect(site / MEMORY_FILE) as conn:
        return [*conn.execute("SELECT model, source, target, score FROM tm ORDER BY 1, 2"),
                *conn.execute("SELECT * FROM tm_languages ORDER BY 1"),
                *conn.execute("SELECT * FROM tm_markup ORDER BY 1")]


def machine_rows(site: Path) -> int:
    with sqlite3.connect(site / MEMORY_FILE) as conn:
        got: int = conn.execute("SELECT COUNT(*) FROM tm WHERE model NOT LIKE 'human%'"
                                ).fetchone()[0]
    return got


def content_files(site: Path) -> dict[str, bytes]:
    return snapshot(site / "content")


def by_model(out: str) -> int:
    found = re.search(r"(\d+) by the model", out)
    assert found, out
    return int(found.group(1))


@pytest.fixture(scope="module")
def ray_session(argos_env: ArgosEnv) -> Iterator[ray_run.RaySession]:
    """One local Ray instance with two workers for the whole module, shut down after it."""
    with ray_run.session("local", workers=2, batch=BATCH) as s:
        s._connect()
        yield s
    assert not ray.is_initialized()


@pytest.fixture(scope="module")
def reference(argos_env: ArgosEnv, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, dict[str, bytes], list[tuple[Any, ...]], int]:
    """The site translated on this machine, without Ray: what every Ray run must give."""
    site = make_site(tmp_path_factory.mktemp("local"))
    with pytest.MonkeyPatch.context() as mp:  # the batches the Ray runs send
        mp.setattr(command, "CHUNK", BATCH)
        run = _translate(site)
    assert run.code == 0, run.err
    return site, content_files(site), memory_rows(site), by_model(run.out)


def _translate(site: Path, session: ray_run.RaySession | None = None) -> Run:
    import io
    out, err = io.StringIO(), io.StringIO()
    if session is None:
        code = translate_site(site, out=out, err=err)
    else:
        with ray_run.activate(session):
            code = translate_site(site, out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


def test_ray_output_and_memory_are_those_of_a_local_run(
        ray_session: ray_run.RaySession, reference: tuple[Path, dict[str, bytes],
                                                          list[tuple[Any, ...]], int],
        tmp_path: Path) -> None:
    _site, files, rows, asked = reference
    assert asked > 4 * BATCH  # many batches, more than the actors hold at once
    site = make_site(tmp_path)
    sent = ray_session.sent
    run = _translate(site, ray_session)
    assert run.code == 0, run.err
    assert by_model(run.out) == asked
    assert ray_session.sent - sent >= asked // BATCH  # the batches went to Ray
    assert content_files(site) == files
    assert memory_rows(site) == rows
    again = _translate(site, ray_session)
    assert again.code == 0 and by_model(again.out) == 0


def test_cli_ray_local_joins_the_running_instance(
        ray_session: ray_run.RaySession, reference: tuple[Path, dict[str, bytes],
                                                          list[tuple[Any, ...]], int],
        tmp_path: Path, cli: Callable[..., Run]) -> None:
    site = make_site(tmp_path)
    ray_session.release()  # its actors hold both CPUs of the module's instance
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(command, "CHUNK", BATCH)
        run = cli("translate", "--site", site, "--ray", "local", "--threads", "2")
    assert run.code == 0, run.err
    assert content_files(site) == reference[1]
    assert memory_rows(site) == reference[2]
    assert ray.is_initialized()  # not the CLI's to shut down: the module started it


def test_an_actor_killed_mid_batch_loses_nothing(
        ray_session: ray_run.RaySession, reference: tuple[Path, dict[str, bytes],
                                                          list[tuple[Any, ...]], int],
        tmp_path: Path) -> None:
    site = make_site(tmp_path)
    killed: list[Any] = []

    def kill_a_busy_actor(s: ray_run.RaySession, _index: int) -> None:
        if not killed:
            busy = [actor for _i, actor, _t in s._in_flight.values()]
            assert busy, "no batch in flight to lose"
            killed.append(busy[0])
            ray.kill(busy[0])

    retried = ray_session.retried
    ray_session.on_result = kill_a_busy_actor
    try:
        run = _translate(site, ray_session)
    finally:
        ray_session.on_result = None
    assert run.code == 0, run.err
    assert killed and ray_session.retried > retried
    assert killed[0] not in ray_session.actors and len(ray_session.actors) == 2
    assert content_files(site) == reference[1]
    assert memory_rows(site) == reference[2]


def test_a_stopped_driver_leaves_a_memory_the_next_run_continues_from(
        ray_session: ray_run.RaySession, reference: tuple[Path, dict[str, bytes],
                                                          list[tuple[Any, ...]], int],
        tmp_path: Path) -> None:
    site = make_site(tmp_path)
    seen: list[int] = []

    def stop_after_three(_s: ray_run.RaySession, index: int) -> None:
        seen.append(index)
        if len(seen) == 3:
            raise KeyboardInterrupt

    ray_session.on_result = stop_after_three
    try:
        with pytest.raises(KeyboardInterrupt):
            _translate(site, ray_session)
    finally:
        ray_session.on_result = None
    stored = machine_rows(site)
    assert stored == 3 * BATCH  # each batch that came back, and only those
    assert not ray_session._in_flight
    run = _translate(site, ray_session)
    assert run.code == 0, run.err
    assert by_model(run.out) == reference[3] - stored  # the model is asked only the rest
    assert content_files(site) == reference[1]
    assert memory_rows(site) == reference[2]


def test_build_and_plain_translate_never_import_ray(argos_env: ArgosEnv, tmp_path: Path
                                                    ) -> None:
    site = make_site(tmp_path, articles=2, per=2)
    script = textwrap.dedent(f"""
        import sys
        from khabar.cli import main
        assert main(["build", "--site", {str(site)!r}, "--out", {str(tmp_path / "out")!r}]) == 0
        assert main(["translate", "--site", {str(site)!r}]) == 0
        assert (__import__("pathlib").Path({str(site)!r}) / "content/news/story-0.en.md"
                ).is_file()
        print("ray imported:", "ray" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "ray imported: False" in done.stdout
