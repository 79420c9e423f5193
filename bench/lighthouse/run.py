#!/usr/bin/env python3
"""Lighthouse scores of Khabar's example site, offline and reproducible.

Builds the example site (the repository root) into a temporary folder, serves it on
127.0.0.1, and runs the pinned Lighthouse (bench/lighthouse/node_modules, from `npm ci`)
with Debian's Chromium against a home page, a story, a term, a briefing and the
not-found page, in Persian and in English. Prints a Markdown table of the four category
scores and every audit that does not pass, with what Lighthouse says about it.

    cd bench/lighthouse && npm ci && cd ../..
    python bench/lighthouse/run.py --runs 3

Exit status: 0, whatever the scores; 1 when the site could not be built or Lighthouse
could not run (or produced no report) for some page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
DEFAULT_CHROME = "/usr/bin/chromium"
TRACE_ENGINE = (HERE / "node_modules" / "@paulirish" / "trace_engine" / "models" / "trace"
                / "handlers" / "ScreenshotsHandler.js")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "bp", "seo": "seo"}
LANGS = ("fa", "en")
KINDS: dict[str, str] = {
    "home": "/{lang}/",
    "story": "/{lang}/articles/haftar-turkey/",
    "term": "/{lang}/countries/turkey/",
    "briefing": "/{lang}/briefings/2024-11-23/",
    "404": "/{lang}/404.html",
}
# Audits that fail on purpose, or because of the throwaway server rather than the pages.
EXPECTED: dict[tuple[str, str], str] = {
    ("404", "is-crawlable"): "expected: the not-found page carries noindex on purpose",
}
SERVER_DEPENDENT: dict[str, str] = {
    "uses-long-cache-ttl": "depends on the server's Cache-Control headers, not the pages",
    "uses-http2": "depends on the server (http.server speaks HTTP/1.1)",
    "redirects-http": "depends on the server (no HTTPS here)",
    "is-on-https": "depends on the server (no HTTPS here)",
}
# Score display modes that never pass or fail.
NOT_SCORED = {"informative", "notApplicable", "manual"}
COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/atom+xml",
                "application/rss+xml", "application/javascript", "image/svg+xml")


@dataclass(frozen=True)
class Page:
    lang: str
    kind: str

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.kind}"

    @property
    def path(self) -> str:
        return KINDS[self.kind].format(lang=self.lang)


@dataclass
class Failing:
    category: str
    audit: str
    title: str
    scores: list[float] = field(default_factory=list)
    detail: str = ""
    note: str = ""
    metric: bool = False


@dataclass
class Result:
    page: Page
    runs: list[dict[str, float | None]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failing: dict[str, Failing] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def median(self, category: str) -> float | None:
        scores = [s for run in self.runs if (s := run.get(category)) is not None]
        return statistics.median(scores) if scores else None


class Handler(SimpleHTTPRequestHandler):
    """Static files with keep-alive and gzip, like any production host; no request log."""

    protocol_version = "HTTP/1.1"
    extensions_map = {  # noqa: RUF012 - the base class's own attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".webmanifest": "application/manifest+json",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = self._gzipped()
        if body is None:
            super().do_GET()
            return
        data, ctype = body
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _gzipped(self) -> tuple[bytes, str] | None:
        """The requested file, gzipped, with its type; None to leave it to the base class
        (directories without a slash, missing files, binary types, no gzip wanted)."""
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            return None
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        path = Path(self.translate_path(url_path))
        if path.is_dir():
            if not url_path.endswith("/"):
                return None
            path = path / "index.html"
        if not path.is_file():
            return None
        ctype = self.guess_type(str(path))
        if not ctype.startswith(COMPRESSIBLE):
            return None
        if ctype.startswith("text/") and "charset" not in ctype:
            ctype += "; charset=utf-8"
        return gzip.compress(path.read_bytes(), mtime=0), ctype


@contextmanager
def serving(folder: Path, server: ThreadingHTTPServer) -> Iterator[None]:
    server.RequestHandlerClass = partial(Handler, directory=str(folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def build_site(out: Path, base_url: str) -> None:
    command = [sys.executable, "-m", "khabar.cli", "build", "--site", str(ROOT),
               "--out", str(out), "--base-url", base_url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"error: building the example site failed ({' '.join(command)})")


def forget_cache(out: Path) -> None:
    """Remove the build cache Khabar keeps for `out` (one per output folder, under the
    site's .khabar-cache): a throwaway folder's cache would only pile up."""
    try:
        sys.path.insert(0, str(ROOT))
        from khabar.cache import folder
    except ImportError:
        return
    finally:
        sys.path.remove(str(ROOT))
    where = folder(ROOT, out)
    if where.parent.parent == ROOT and where.is_dir():
        shutil.rmtree(where, ignore_errors=True)


def run_lighthouse(url: str, chrome: str, desktop: bool, report: Path) -> dict[str, Any]:
    """One Lighthouse run; its report (the LHR). Raises RuntimeError when there is none."""
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}",
               f"--only-categories={','.join(CATEGORIES)}"]
    command.append("--preset=desktop" if desktop else "--form-factor=mobile")
    env = {**os.environ, "CHROME_PATH": chrome}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not report.is_file():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"lighthouse exited with status {done.returncode} (is it set up? "
                           f"run `npm ci` in bench/lighthouse first):\n{tail}")
    lhr: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    problem = lhr.get("runtimeError")
    if problem:
        raise RuntimeError(f"lighthouse: {problem.get('code')}: {problem.get('message')}")
    return lhr


def describe_item(item: Any) -> str:
    """One row of an audit's details, short enough for one line."""
    if not isinstance(item, dict):
        return compact(item)
    node = next((v for v in item.values() if isinstance(v, dict) and v.get("type") == "node"),
                None)
    if node is not None:
        parts = [node.get("selector") or node.get("nodeLabel") or "", node.get("snippet", "")]
        explanation = (node.get("explanation") or "").strip().splitlines()
        if explanation:
            parts.append("— " + " ".join(line.strip() for line in explanation[:3]))
        return " ".join(p for p in parts if p)
    where = item.get("sourceLocation")
    if item.get("description") and isinstance(where, dict) and where.get("url"):
        return f"{where['url']}: {item['description']}"
    if item.get("type") in {"node", "source-location", "url", "code", "text"}:
        return compact({k: v for k, v in item.items() if k != "type"})
    if "url" in item:
        rest = {k: v for k, v in item.items() if k not in {"url", "type"} and v not in ("", None)}
        return f"{item['url']} {compact(rest)}" if rest else str(item["url"])
    return compact(item)


def compact(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail_of(audit: dict[str, Any], items: int) -> str:
    parts: list[str] = []
    if audit.get("displayValue"):
        parts.append(str(audit["displayValue"]))
    details = audit.get("details") or {}
    rows = details.get("items") or []
    if details.get("type") == "list":  # a list of tables (e.g. Trusted Types, CSP)
        rows = [row for sub in rows if isinstance(sub, dict) for row in sub.get("items", [])]
    shown = [describe_item(row) for row in rows[:items]]
    parts.extend(shown)
    if len(rows) > len(shown):
        parts.append(f"(+{len(rows) - len(shown)} more)")
    if not parts and audit.get("explanation"):
        parts.append(str(audit["explanation"]))
    if not parts and audit.get("errorMessage"):
        parts.append(str(audit["errorMessage"]))
    if not parts and audit.get("description"):  # nothing more specific: what it checks
        parts.append(str(audit["description"]).split(". ")[0].rstrip(".") + ".")
    return " · ".join(parts)


def collect(result: Result, lhr: dict[str, Any], items: int) -> None:
    categories = lhr.get("categories", {})
    result.runs.append({c: categories.get(c, {}).get("score") for c in CATEGORIES})
    audits = lhr.get("audits", {})
    for category in CATEGORIES:
        for ref in categories.get(category, {}).get("auditRefs", []):
            audit = audits.get(ref["id"], {})
            mode = audit.get("scoreDisplayMode")
            score = audit.get("score")
            if mode == "error":
                score = 0.0  # Lighthouse could not judge it: show it, it needs a look
            elif mode in NOT_SCORED or score is None or score >= 1:
                continue
            key = f"{category}:{ref['id']}"
            fail = result.failing.setdefault(
                key, Failing(category, ref["id"], audit.get("title", ref["id"])))
            fail.metric = ref.get("group") == "metrics"
            fail.scores.append(float(score))
            fail.detail = ("ERROR: " if mode == "error" else "") + detail_of(audit, items)
            fail.note = (EXPECTED.get((result.page.kind, ref["id"]))
                         or SERVER_DEPENDENT.get(ref["id"], ""))


def fmt(score: float | None) -> str:
    return "–" if score is None else str(round(score * 100))


def table(results: Sequence[Result]) -> str:
    head = "| page | path | " + " | ".join(CATEGORIES) + " | s/run |"
    lines = [head, "|" + "---|" * (len(CATEGORIES) + 3)]
    for r in results:
        cells = [fmt(r.median(c)) for c in CATEGORIES]
        if r.errors and not r.runs:
            cells = ["error"] * len(CATEGORIES)
        seconds = f"{statistics.median(r.seconds):.1f}" if r.seconds else "–"
        lines.append(f"| {r.page.key} | `{r.page.path}` | " + " | ".join(cells)
                     + f" | {seconds} |")
    return "\n".join(lines)


def failing_report(results: Sequence[Result], runs: int) -> str:
    lines: list[str] = []
    for r in results:
        for message in r.errors:
            lines.append(f"- **{r.page.key}** LIGHTHOUSE FAILED: {message}")
        metrics = [f for f in r.failing.values() if f.metric]
        if metrics:  # one line: their values, with the score each earns
            lines.append(f"- **{r.page.key}** [perf] metrics below 100: " + ", ".join(
                f"`{f.audit}` {f.detail} ({fmt(statistics.median(f.scores))})"
                for f in sorted(metrics, key=lambda f: min(f.scores))))
        order = sorted((f for f in r.failing.values() if not f.metric),
                       key=lambda f: (CATEGORIES.index(f.category), min(f.scores), f.audit))
        for f in order:
            score = fmt(statistics.median(f.scores))
            seen = f" ({len(f.scores)}/{runs} runs)" if runs > 1 else ""
            note = f" — _{f.note}_" if f.note else ""
            lines.append(f"- **{r.page.key}** [{SHORT[f.category]}] `{f.audit}` "
                         f"{score}{seen}: {f.title}{note}\n  {f.detail}")
    return "\n".join(lines) if lines else "(none)"


def select_pages(wanted: Sequence[str] | None) -> list[Page]:
    every = [Page(lang, kind) for lang in LANGS for kind in KINDS]
    if not wanted:
        return every
    chosen: list[Page] = []
    for w in wanted:
        for name in w.split(","):
            name = name.strip().strip("/")
            match = [p for p in every if name in (p.key, p.kind, p.lang)]
            if not match:
                raise SystemExit(f"error: unknown page {name!r}; use a kind "
                                 f"({', '.join(KINDS)}), a language ({', '.join(LANGS)}) "
                                 "or LANG/KIND (fa/home)")
            chosen.extend(p for p in match if p not in chosen)
    return [p for p in every if p in chosen]


def version_of(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else "?"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1, metavar="N",
                    help="Lighthouse runs per page; the table shows the median (default 1)")
    ap.add_argument("--pages", nargs="+", metavar="PAGE",
                    help=f"only these: a kind ({', '.join(KINDS)}), a language "
                         f"({', '.join(LANGS)}) or LANG/KIND; default all")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the scores here")
    ap.add_argument("--reports", type=Path, metavar="DIR",
                    help="keep Lighthouse's own JSON reports here (LANG-KIND-RUN.json)")
    ap.add_argument("--items", type=int, default=1, metavar="N",
                    help="detail rows shown per failing audit (default 1)")
    ap.add_argument("--site-dir", type=Path, metavar="DIR",
                    help="serve this already built site instead of building one (its "
                         "canonical URLs then point at its own base URL)")
    ap.add_argument("--desktop", action="store_true",
                    help="desktop profile (--preset=desktop) instead of mobile")
    ap.add_argument("--chrome", default=os.environ.get("CHROME_PATH", DEFAULT_CHROME),
                    help=f"Chromium binary (default $CHROME_PATH or {DEFAULT_CHROME})")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    pages = select_pages(args.pages)

    if not LIGHTHOUSE.exists():
        print(f"error: {LIGHTHOUSE.relative_to(ROOT)} is missing: "
              "run `npm ci` in bench/lighthouse first", file=sys.stderr)
        return 1
    if not Path(args.chrome).exists():
        print(f"error: no Chromium at {args.chrome} (apt install chromium, or --chrome)",
              file=sys.stderr)
        return 1
    if "args.frame_reporter" not in TRACE_ENGINE.read_text(encoding="utf-8", errors="replace"):
        print("warning: trace_engine is not patched for this Chromium's traces (run `npm ci` in "
              "bench/lighthouse, which runs patch-trace-engine.mjs): trace-based audits will "
              "end in errors", file=sys.stderr)
    lh_version = version_of([str(LIGHTHOUSE), "--version"])
    chrome_version = version_of([args.chrome, "--version"])
    profile = "desktop" if args.desktop else "mobile"
    print(f"Lighthouse {lh_version}, {chrome_version}, {profile}, "
          f"{args.runs} run(s) × {len(pages)} page(s)", file=sys.stderr)

    results = [Result(p) for p in pages]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="khabar-lighthouse-") as tmp:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        if args.site_dir:
            site = args.site_dir.resolve()
            print(f"serving {site} at {base}", file=sys.stderr)
        else:
            site = Path(tmp) / "site"
            t0 = time.monotonic()
            try:
                build_site(site, base)
            except SystemExit:
                server.server_close()
                raise
            finally:
                forget_cache(site)
            print(f"built the example site in {time.monotonic() - t0:.1f} s, serving {base}",
                  file=sys.stderr)
        reports = args.reports or Path(tmp) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        with serving(site, server):
            for n in range(1, args.runs + 1):  # round-robin: drift hits every page alike
                for r in results:
                    report = reports / f"{r.page.lang}-{r.page.kind}-{n}.json"
                    report.unlink(missing_ok=True)
                    t0 = time.monotonic()
                    try:
                        lhr = run_lighthouse(base + r.page.path.lstrip("/"), args.chrome,
                                             args.desktop, report)
                    except (RuntimeError, OSError, ValueError) as e:
                        r.errors.append(f"run {n}: {e}")
                        print(f"  {r.page.key} run {n}: FAILED", file=sys.stderr)
                        continue
                    r.seconds.append(time.monotonic() - t0)
                    collect(r, lhr, args.items)
                    scores = " ".join(f"{SHORT[c]} {fmt(r.runs[-1][c])}" for c in CATEGORIES)
                    print(f"  {r.page.key} run {n}: {scores} ({r.seconds[-1]:.1f} s)",
                          file=sys.stderr)
    total = time.monotonic() - started

    median_note = " (median of runs)" if args.runs > 1 else ""
    print(f"## Lighthouse {lh_version}, {profile}{median_note}\n")
    print(table(results))
    print(f"\n## Audits not passing\n\n{failing_report(results, args.runs)}")
    print(f"\n{chrome_version}; total {total:.0f} s", file=sys.stderr)

    if args.json:
        data = {
            "lighthouse": lh_version, "chromium": chrome_version, "profile": profile,
            "runs": args.runs, "seconds_total": round(total, 1),
            "pages": {
                r.page.key: {
                    "path": r.page.path,
                    "scores": {c: r.median(c) for c in CATEGORIES},
                    "runs": r.runs,
                    "seconds": [round(s, 1) for s in r.seconds],
                    "failing": [
                        {"category": f.category, "audit": f.audit, "title": f.title,
                         "scores": f.scores, "detail": f.detail, "note": f.note}
                        for f in r.failing.values()],
                    "errors": r.errors,
                } for r in results
            },
        }
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
