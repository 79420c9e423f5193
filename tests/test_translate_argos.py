"""`khabar translate` and `khabar models` end to end with the real argostranslate and a tiny
but genuine fa→en package (tests/argos_fixture.py), with the network refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from argos_fixture import ArgosEnv, build_argos_package
from conftest import Run, write
from lxml import html as lxml_html
from PIL import Image

from khabar.build import build

BODY = """
---
title: گزارش درباره لیبی
date: 2024-11-23T10:00
summary: خلاصه‌ای کوتاه از گزارش.
countries: [libya]
---
## پیشینه خبر

نیروهای حفتر با ترکیه دیدار کردند. به گفته [منابع](https://example.org/src) همکاری ادامه دارد.

- مورد اول
- مورد دوم با `کد`

> نقل قول از یک مقام.
"""


def test_translate_with_a_real_model_and_no_network(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run], no_network: list[Any],
        tmp_path: Path) -> None:
    write(mini_site / "content/news/libya-report.fa.md", BODY)
    run = cli("translate", "--site", mini_site)
    assert run.code == 0, run.err
    assert no_network == [], "translate tried to reach the network"
    made = (mini_site / "content/news/libya-report.en.md").read_text(encoding="utf-8")
    assert "status: machine" in made
    assert re.search(r"engine: argostranslate \d+\.\d+", made)
    assert "model: translate-fa_en 1.0" in made
    body = made.split("\n---\n", 1)[1]
    assert body.count("## ") == 1 and body.count("\n- ") == 2
    assert "](https://example.org/src)" in body and "`کد`" in body
    assert "\n> " in body
    # the second run asks the model nothing
    again = cli("translate", "--site", mini_site)
    assert again.code == 0 and "0 by the model" in again.out, again.out
    # the English page names the engine and model and links the original
    out = tmp_path / "out"
    build(mini_site, out)
    page = (out / "en/articles/libya-report/index.html").read_text(encoding="utf-8")
    assert "notice-machine" in page and "translate-fa_en 1.0" in page
    assert 'href="/briefing/fa/articles/libya-report/"' in page
    assert no_network == []


def test_missing_model_is_one_clear_error_and_build_still_works(
        isolated_packages: Path, mini_site: Path, cli: Callable[..., Run],
        tmp_path: Path) -> None:
    write(mini_site / "content/news/libya-report.fa.md", BODY)
    run = cli("translate", "--site", mini_site)
    assert run.code == 1
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert "no translation model for fa→en" in lines[0]
    assert "khabar models install FILE.argosmodel" in lines[0]
    assert not (mini_site / "content/news/libya-report.en.md").exists()
    assert cli("build", "--site", mini_site, "--out", tmp_path / "out").code == 0
    page = (tmp_path / "out/en/articles/libya-report/index.html").read_text(encoding="utf-8")
    assert "notice-pending" in page


def test_models_install_and_list(isolated_packages: Path, tmp_path: Path,
                                 cli: Callable[..., Run]) -> None:
    assert "no translation models installed" in cli("models", "list").out
    assert cli("models", "list", "--site", tmp_path).code == 0  # --site as every command
    package = build_argos_package(tmp_path / "pkg", seed=3, package_version="1.9",
                                  with_spacy=False)
    run = cli("models", "install", package)
    assert run.code == 0, run.err
    assert "installed translate-fa_en 1.9 (fa→en)" in run.out
    listed = cli("models", "list")
    assert "translate-fa_en 1.9 (fa→en)" in listed.out
    bad = tmp_path / "bad.argosmodel"
    bad.write_text("not a zip")
    run = cli("models", "install", bad)
    assert run.code == 1 and f"{bad}: error:" in run.err


def test_translate_reads_bodies_with_the_sites_extensions(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run],
        no_network: list[Any]) -> None:
    """With `abbr` enabled, an abbreviation's definition line is markup, kept as written;
    without it, the same line is a paragraph the model translates."""
    definition = "*[ناتو]: سازمان پیمان آتلانتیک شمالی"
    write(mini_site / "content/news/nato.fa.md", f"""
        ---
        title: نشست ناتو
        date: 2024-11-23T10:00
        ---
        وزیران ناتو دیدار کردند.

        {definition}
        """)
    with (mini_site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write("markdown: {extensions: [abbr]}\n")
    run = cli("translate", "--site", mini_site)
    assert run.code == 0, run.err
    made = (mini_site / "content/news/nato.en.md").read_text(encoding="utf-8")
    assert f"\n{definition}\n" in made
    text = (mini_site / "site.yaml").read_text(encoding="utf-8")
    (mini_site / "site.yaml").write_text(text.replace("markdown: {extensions: [abbr]}\n", ""),
                                         encoding="utf-8")
    (mini_site / "content/news/nato.en.md").unlink()
    assert cli("translate", "--site", mini_site).code == 0
    made = (mini_site / "content/news/nato.en.md").read_text(encoding="utf-8")
    assert definition not in made
    assert no_network == []


def test_translate_gives_the_picture_words_in_the_new_language(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run], no_network: list[Any],
        tmp_path: Path) -> None:
    (mini_site / "images").mkdir()
    Image.new("RGB", (600, 400), (30, 90, 160)).save(mini_site / "images" / "map.png")
    write(mini_site / "content/news/libya-report.fa.md", BODY.replace(
        "countries: [libya]\n", "countries: [libya]\nimage: {src: images/map.png, alt: نقشه "
        "لیبی و ترکیه, caption: همکاری نظامی دو کشور, credit: خبرگزاری ایرنا}\n"))
    assert cli("translate", "--site", mini_site).code == 0
    made = (mini_site / "content/news/libya-report.en.md").read_text(encoding="utf-8")
    image = yaml.safe_load(made.split("---\n")[1])["image"]
    assert image["src"] == "images/map.png"
    assert image["credit"] == "خبرگزاری ایرنا"  # names of people and agencies: as written
    assert image["alt"] and image["alt"] != "نقشه لیبی و ترکیه"  # the model's words
    assert image["caption"] and image["caption"] != "همکاری نظامی دو کشور"
    out = tmp_path / "out"
    build(mini_site, out)
    page = lxml_html.fromstring((out / "en/articles/libya-report/index.html").read_bytes())
    figure = page.cssselect("figure.picture")[0]
    assert figure.get("lang") is None and figure.cssselect("img")[0].get("alt") == image["alt"]
    assert no_network == []
