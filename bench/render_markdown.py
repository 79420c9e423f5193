"""Time Khabar's Markdown renderer on a corpus's bodies: milliseconds per article.

    python bench/gen_corpus.py -n 1000 --layout khabar --out /tmp/corpus
    python bench/render_markdown.py /tmp/corpus -r 5
    git show REV:khabar/markup.py > /tmp/old_markup.py   # another revision's renderer
    python bench/render_markdown.py /tmp/corpus -r 5 --old /tmp/old_markup.py

Each body is rendered in its language's direction (`.fa.md` rtl, others ltr) with one
renderer, as a build's worker does; the figure is the median of R passes over all bodies,
after one pass that is not counted (imports, caches).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from khabar import markup


def bodies(site: Path) -> list[tuple[str, str]]:
    """(body, direction) of every article under site/content, front matter removed."""
    out = []
    for path in sorted((site / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        body = text.split("---\n", 2)[2] if text.startswith("---\n") else text
        out.append((body, "rtl" if path.name.endswith(".fa.md") else "ltr"))
    return out


def load(path: Path) -> ModuleType:
    """A markup.py of another revision, imported inside the khabar package."""
    name = "khabar._bench_markup"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def timed(render: Callable[[str, str], object], work: list[tuple[str, str]],
          repeats: int) -> list[float]:
    """Milliseconds per article, one figure per pass."""
    for body, direction in work:
        render(body, direction)
    figures = []
    for _ in range(repeats):
        start = time.perf_counter()
        for body, direction in work:
            render(body, direction)
        figures.append((time.perf_counter() - start) * 1000 / len(work))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("site", type=Path, help="a site folder with content/")
    parser.add_argument("-r", "--repeats", type=int, default=5)
    parser.add_argument("--old", type=Path, help="another markup.py to compare with")
    args = parser.parse_args()
    work = bodies(args.site)
    renderers: dict[str, ModuleType] = {"this tree": markup}
    if args.old:
        renderers[f"{args.old}"] = load(args.old)
    print(f"{len(work)} bodies, {sum(len(b) for b, _ in work) / len(work):.0f} characters "
          f"on average, median of {args.repeats} passes")
    for label, module in renderers.items():
        renderer = module.MarkdownRenderer()
        figures = timed(renderer.render, work, args.repeats)
        print(f"{label:>24}: {statistics.median(figures):.3f} ms/article "
              f"(min {min(figures):.3f}, max {max(figures):.3f})")


if __name__ == "__main__":
    main()
