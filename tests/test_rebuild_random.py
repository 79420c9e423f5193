"""Random sequences of edits, each followed by a rebuild that must equal a clean build of
the same site, byte for byte, folders included (hypothesis' stateful testing)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import SITES
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from test_publish import tree

from khabar.build import build

COUNTRIES = ("norway", "turkey", "libya")
WORDS = ("گفتگو", "دیدار", "بیانیه", "نشست", "توافق", "Oslo", "Tripoli")
DATES = ("2024-11-20", "2024-11-24T18:30", "1403-09-05", "2024-11-25T08:00")


def _article(title: str, date: str, countries: list[str], body: str, kind: str) -> str:
    return (f"---\ntitle: \"{title}\"\ndate: {date}\nkind: {kind}\n"
            f"countries: [{', '.join(countries)}]\n---\n{body}\n")


class Edits(RuleBasedStateMachine):
    """The mini site, edited at random: stories come and go, change their text, title,
    date, tags and kind; the theme, site.yaml and static/ change too."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="khabar-edits-"))
        self.site = self.root / "site"
        shutil.copytree(SITES / "mini", self.site)
        self.out = self.root / "out"
        self.stories: dict[str, dict[str, object]] = {}
        self.cleans = 0
        build(self.site, self.out)

    def _write(self, slug: str) -> None:
        s = self.stories[slug]
        (self.site / "content/random" / f"{slug}.fa.md").write_text(_article(
            str(s["title"]), str(s["date"]), list(s["countries"]),  # type: ignore[call-overload]
            str(s["body"]), str(s["kind"])), encoding="utf-8")

    @rule(n=st.integers(0, 5), title=st.sampled_from(WORDS), date=st.sampled_from(DATES),
          countries=st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True),
          body=st.sampled_from(WORDS))
    def add_story(self, n: int, title: str, date: str, countries: list[str],
                  body: str) -> None:
        slug = f"story-{n}"
        (self.site / "content/random").mkdir(exist_ok=True)
        self.stories[slug] = {"title": f"{title} {n}", "date": date, "countries": countries,
                              "body": body, "kind": "brief"}
        self._write(slug)

    @rule(n=st.integers(0, 5))
    def remove_story(self, n: int) -> None:
        if self.stories.pop(f"story-{n}", None) is not None:
            (self.site / "content/random" / f"story-{n}.fa.md").unlink()

    @rule(n=st.integers(0, 5), field=st.sampled_from(("title", "date", "countries", "body",
                                                       "kind")),
          data=st.data())
    def change_story(self, n: int, field: str, data: st.DataObject) -> None:
        story = self.stories.get(f"story-{n}")
        if story is None:
            return
        values: dict[str, st.SearchStrategy[object]] = {
            "title": st.sampled_from(WORDS), "date": st.sampled_from(DATES),
            "countries": st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True),
            "body": st.sampled_from(WORDS).map(lambda w: f"{w}\n\n{w} {w}"),
            "kind": st.sampled_from(("brief", "article"))}
        story[field] = data.draw(values[field])
        if story["kind"] == "brief":
            story["body"] = str(story["body"]).split("\n")[0]
        self._write(f"story-{n}")

    @rule(edit=st.sampled_from(("site-title", "per-page", "template", "static-add",
                                "static-remove", "seed-body")))
    def change_site(self, edit: str) -> None:
        site = self.site
        if edit == "site-title":
            text = (site / "site.yaml").read_text(encoding="utf-8")
            (site / "site.yaml").write_text(text.replace("آزمایشی", "آزمایشی نو", 1)
                                            if "آزمایشی نو" not in text else
                                            text.replace("آزمایشی نو", "آزمایشی", 1),
                                            encoding="utf-8")
        elif edit == "per-page":
            text = (site / "site.yaml").read_text(encoding="utf-8")
            (site / "site.yaml").write_text(text.replace("per_page: 2", "per_page: 1")
                                            if "per_page: 2" in text else
                                            text.replace("per_page: 1", "per_page: 2"),
                                            encoding="utf-8")
        elif edit == "template":
            own = site / "templates/404.html"
            if own.exists():
                own.unlink()
            else:
                own.parent.mkdir(exist_ok=True)
                own.write_text("{% extends 'base.html' %}{% block main %}<p>404</p>"
                               "{% endblock %}", encoding="utf-8")
        elif edit == "static-add":
            (site / "static/extra/deep").mkdir(parents=True, exist_ok=True)
            (site / "static/extra/deep/note.txt").write_text("note", encoding="utf-8")
        elif edit == "static-remove":
            shutil.rmtree(site / "static/extra", ignore_errors=True)
        else:
            seed = site / "content/news/haftar-turkey.fa.md"
            seed.write_text(seed.read_text(encoding="utf-8") + "\nبند.\n", encoding="utf-8")

    @invariant()
    def rebuild_equals_clean_build(self) -> None:
        build(self.site, self.out)
        self.cleans += 1
        clean = self.root / f"clean{self.cleans}"
        build(self.site, clean, clean=True)
        assert tree(self.out) == tree(clean)
        shutil.rmtree(clean)

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


Edits.TestCase.settings = settings(max_examples=8, stateful_step_count=8, deadline=None,
                                   suppress_health_check=list(HealthCheck))
test_random_edits_rebuild_like_a_clean_build = Edits.TestCase
