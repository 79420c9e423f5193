"""Benchmark: `khabar translate` on this machine vs `khabar translate --ray local`.

Run by hand (not part of pytest), from the repository root::

    python bench/translate_ray.py --articles 200 --per 10 --workers 2

Both runs translate the same freshly generated site (tests/sites/mini plus `articles`
stories of `per` distinct sentences) with the tiny random-weight fa→en package the tests
build (tests/argos_fixture.py), offline, in 256-sentence batches. That model decodes in
well under a millisecond a sentence, so the figures show Ray's overhead (starting, shipping
batches, one model per actor), not what Ray gains with a real model: for that, see the
estimate in bench/README_translate.md, built from the real-model rate measured there.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--per", type=int, default=10, help="sentences per article")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from argos_fixture import setup_argos_env
    from test_translate_ray import make_site

    from khabar.translate import ray_run
    from khabar.translate.command import translate_site

    with tempfile.TemporaryDirectory(prefix="khabar-ray-bench-") as tmp:
        root = Path(tmp)
        setup_argos_env(root / "argos")

        def run(site: Path) -> tuple[float, int]:
            out = io.StringIO()
            start = time.perf_counter()
            code = translate_site(site, out=out, err=io.StringIO())
            took = time.perf_counter() - start
            assert code == 0, out.getvalue()
            found = re.search(r"(\d+) by the model", out.getvalue())
            assert found, out.getvalue()
            return took, int(found.group(1))

        local_s, sentences = run(make_site(root / "local", args.articles, args.per))
        with ray_run.session("local", workers=args.workers) as s:
            start = time.perf_counter()
            s._connect()
            startup_s = time.perf_counter() - start
            with ray_run.activate(s):
                first_s, _n = run(make_site(root / "ray1", args.articles, args.per))
                second_s, _n = run(make_site(root / "ray2", args.articles, args.per))
        print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, "
              f"Python {platform.python_version()}")
        print(f"{sentences} sentences to the model, tiny fixture model")
        print(f"local (threads={os.cpu_count()}): {local_s:.2f} s, "
              f"{sentences / local_s:.0f} sentences/s")
        print(f"--ray local, {args.workers} workers: Ray start {startup_s:.2f} s; first run "
              f"(actors load the model) {first_s:.2f} s, {sentences / first_s:.0f} "
              f"sentences/s; second run (actors warm) {second_s:.2f} s, "
              f"{sentences / second_s:.0f} sentences/s")


if __name__ == "__main__":
    main()
