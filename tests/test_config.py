from pathlib import Path

import pytest
from conftest import write

from khabar import config
from khabar.errors import KhabarError

BASE = """
title: {fa: آزمایش, en: Test}
base_url: https://example.org/
languages:
  fa: {name: فارسی, dir: rtl}
  en: {name: English, dir: ltr, translate_from: fa}
taxonomies:
  countries:
    title: {fa: کشورها, en: Countries}
    terms:
      norway: {iso: NO}
      turkey: {iso: TR, en: Türkiye, aliases: {fa: [ترکيه]}}
      kurdistan: {fa: کردستان, en: Kurdistan}
"""


def load(tmp_path: Path, text: str) -> config.SiteConfig:
    write(tmp_path / "site.yaml", text)
    return config.load(tmp_path)


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(KhabarError) as info:
        load(tmp_path, text)
    return [d.format() for d in info.value.diagnostics]


def test_valid_config(tmp_path: Path) -> None:
    cfg = load(tmp_path, BASE)
    assert cfg.codes == ("fa", "en")
    assert cfg.default_language == "fa"
    assert cfg.language("en").translate_from == "fa"
    assert cfg.timezone == "UTC"
    countries = cfg.taxonomy("countries")
    assert list(countries.terms) == ["norway", "turkey", "kurdistan"]


def test_yaml11_no_stays_norway(tmp_path: Path) -> None:
    cfg = load(tmp_path, BASE)
    norway = cfg.taxonomy("countries").terms["norway"]
    assert norway.iso == "NO"
    assert norway.names == {"fa": "نروژ", "en": "Norway"}


def test_cldr_names_can_be_overridden(tmp_path: Path) -> None:
    turkey = load(tmp_path, BASE).taxonomy("countries").terms["turkey"]
    assert turkey.names == {"fa": "ترکیه", "en": "Türkiye"}


def test_terms_resolve_by_alias_with_arabic_letters(tmp_path: Path) -> None:
    countries = load(tmp_path, BASE).taxonomy("countries")
    term = countries.resolve("ترکیه")  # Persian yeh; the alias is written with Arabic yeh
    assert term is not None and term.slug == "turkey"
    assert countries.nearest("turky") == ["turkey"]


def test_unknown_keys_are_errors_with_lines(tmp_path: Path) -> None:
    lines = errors(tmp_path, BASE + "titel: x\nper_page: 0\n")
    assert f"{tmp_path}/site.yaml:13: error: unknown key 'titel' (hint: did you mean 'title'?)" \
        in lines
    assert any(line.startswith(f"{tmp_path}/site.yaml:14: error: per_page") for line in lines)


def test_all_errors_at_once(tmp_path: Path) -> None:
    text = BASE.replace("https://example.org/", "ftp://x").replace("{iso: NO}", "{iso: XX}")
    text = text.replace("dir: ltr,", "dir: sideways,") + "timezone: Mars/Olympus\n"
    lines = errors(tmp_path, text)
    assert len(lines) == 4, lines
    assert any(":2: error: base_url" in line for line in lines)
    assert any(":5: error: languages.en.dir" in line for line in lines)
    assert any(":10: error: taxonomies.countries.terms.norway.iso" in line for line in lines)
    assert any(":13: error: timezone" in line for line in lines)


def test_term_without_names(tmp_path: Path) -> None:
    lines = errors(tmp_path, BASE + "      nowhere: {fa: هیچ‌جا}\n")
    assert any(":13: error: taxonomies.countries.terms.nowhere: no name in en" in line
               for line in lines)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    lines = errors(tmp_path, BASE + "languages: [unclosed\n")
    assert lines[0].startswith(f"{tmp_path}/site.yaml:")
    assert "invalid YAML" in lines[0]


def test_missing_site_yaml(tmp_path: Path) -> None:
    with pytest.raises(KhabarError) as info:
        config.load(tmp_path)
    assert "site.yaml not found" in str(info.value)


def test_duplicate_key(tmp_path: Path) -> None:
    lines = errors(tmp_path, BASE + "base_url: https://other.example/\n")
    assert any(":13: error: " in line and "given twice" in line for line in lines)


def test_config_is_frozen(tmp_path: Path) -> None:
    cfg = load(tmp_path, BASE)
    with pytest.raises(AttributeError):
        cfg.base_url = "x"  # type: ignore[misc]
