"""Golden output of the fixture site, both directions: every file, byte for byte.

Refresh after an intended change with: pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SITES, snapshot

from khabar.build import build
from khabar.write import MARKER

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("name", ["mini"])
def test_golden_output(name: str, tmp_path: Path, request: pytest.FixtureRequest,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the news sitemaps list the last two days before the build: a build on 2024-11-26
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1732566600")  # 00:00 in Tehran
    out = tmp_path / "out"
    build(SITES / name, out)
    # the theme's font files are copied as they are (test_build checks them), and the
    # search index is gzip (test_search checks it): not golden
    actual = {k: v for k, v in snapshot(out).items()
              if k != MARKER and not k.startswith(("assets/fonts/", "pagefind/"))}
    golden = GOLDEN / name
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden, ignore_errors=True)
        for rel, data in actual.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
    expected = snapshot(golden)
    assert sorted(actual) == sorted(expected), "files differ; refresh with --update-golden"
    for rel, data in expected.items():
        assert actual[rel].decode() == data.decode(), f"{rel} differs from tests/golden/{name}"
