"""Shared fixtures: the repository's example site, the small fixture sites, a CLI runner."""

from __future__ import annotations

import os
import shutil
import socket
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from khabar.cli import main

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
FEEDS_SITE = SITES / "feeds_site"


def in_ci() -> bool:
    """CI sets CI=true (and .ci/run does too): there every tool the tests use must be there."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def need_tool(name: str) -> str:
    """The path of a program a test needs (chromium, newsboat, jing, java). Missing, it
    skips the test on a developer's machine but fails it under CI=true: a check that CI
    quietly skipped would pass for a reason that is not the code."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (.ci/run installs it with apt-get)"
        if in_ci():
            pytest.fail(f"{message}; under CI=true a missing tool fails the run",
                        pytrace=False)
        pytest.skip(message)
    return found


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden from the current output")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if ": error: " in line]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the khabar command line in-process and capture what it prints."""

    def run(*args: str | Path) -> Run:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The repository's example site and the feeds fixture site, built once for all the
    tests that only read them."""
    from khabar.build import build

    out = tmp_path_factory.mktemp("built")
    build(ROOT, out / "example")
    build(FEEDS_SITE, out / "fixture")
    return {"example": out / "example", "fixture": out / "fixture"}


@pytest.fixture
def mini_site(tmp_path: Path) -> Path:
    """A writable copy of tests/sites/mini (without the build cache that tests building it
    in place leave there)."""
    dest = tmp_path / "mini"
    shutil.copytree(SITES / "mini", dest, ignore=shutil.ignore_patterns(".khabar-cache"))
    return dest


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder by relative path: to prove an output folder did not change."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".khabar-output"}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record and refuse every attempt to open a connection or resolve a name."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts


# The tiny genuine fa→en Argos package, installed under temporary XDG/ARGOS dirs.
from argos_fixture import argos_env, isolated_packages  # noqa: E402, F401
