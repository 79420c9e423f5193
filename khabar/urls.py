"""The one place that makes URLs and maps them to output files (the contract's URL table)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import urlsplit

BASE_URL_HINT = "write it like https://example.org/ or https://example.org/news/"
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")
_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~!$&()*+,;=:@/]|%[0-9A-Fa-f]{2})*$")
FEED_FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml",
              "json": "application/feed+json"}


@dataclass(frozen=True)
class Urls:
    """Routes are site paths like `/fa/articles/x/`; `href` adds the base URL's path prefix
    (a site may live under https://host/briefing/) and `absolute` the whole base URL."""

    base_url: str

    @cached_property
    def prefix(self) -> str:
        return urlsplit(self.base_url).path.rstrip("/")

    def href(self, route: str) -> str:
        return self.prefix + route

    def absolute(self, route: str) -> str:
        return self.base_url.rstrip("/") + route

    # -- routes ----------------------------------------------------------------------
    @staticmethod
    def root() -> str:
        return "/"

    @staticmethod
    def home(lang: str) -> str:
        return f"/{lang}/"

    @staticmethod
    def article(lang: str, slug: str) -> str:
        return f"/{lang}/articles/{slug}/"

    @staticmethod
    def briefing(lang: str, day: date) -> str:
        return f"/{lang}/briefings/{day.isoformat()}/"

    @staticmethod
    def briefings(lang: str) -> str:
        return f"/{lang}/briefings/"

    @staticmethod
    def taxonomy(lang: str, taxonomy: str) -> str:
        return f"/{lang}/{taxonomy}/"

    @staticmethod
    def term(lang: str, taxonomy: str, term: str, page: int = 1) -> str:
        base = f"/{lang}/{taxonomy}/{term}/"
        return base if page <= 1 else f"{base}page/{page}/"

    @staticmethod
    def feed(kind: str, lang: str, taxonomy: str | None = None, term: str | None = None) -> str:
        folder = f"/{lang}/{taxonomy}/{term}/" if taxonomy and term else f"/{lang}/"
        return folder + FEED_FILES[kind]

    @staticmethod
    def opml() -> str:
        return "/feeds.opml"

    @staticmethod
    def sitemap(part: int = 0) -> str:
        """The sitemap (or, on a site above 50,000 URLs, its index) and its numbered parts."""
        return "/sitemap.xml" if part <= 0 else f"/sitemap-{part}.xml"

    @staticmethod
    def news_sitemap(lang: str) -> str:
        return f"/{lang}/sitemap-news.xml"

    @staticmethod
    def robots() -> str:
        return "/robots.txt"

    @staticmethod
    def not_found(lang: str | None = None) -> str:
        """A language's not-found page, or the root one that speaks every language."""
        return f"/{lang}/404.html" if lang else "/404.html"

    @staticmethod
    def bilingual(lang: str, slug: str) -> str:
        """A translation beside its original."""
        return f"/{lang}/articles/{slug}/bilingual/"

    @staticmethod
    def search(lang: str) -> str:
        return f"/{lang}/search/"

    @staticmethod
    def search_index() -> str:
        """The folder of the search index: Pagefind's interface, shared by every bundle."""
        return "/pagefind/"

    @staticmethod
    def search_bundle(lang: str, part: int, parts: int) -> str:
        """One Pagefind bundle: one of the `parts` indexes of a language's stories."""
        return f"/pagefind/{lang}/{part}-of-{parts}/"

    @staticmethod
    def asset(name: str) -> str:
        return f"/assets/{name}"

    @staticmethod
    def media(name: str) -> str:
        """A picture Khabar made (a resized image, an icon, a share card): its name
        carries its content's hash, so it never changes under the same address."""
        return f"/media/{name}"


def output_path(route: str) -> str:
    """The file a route is written to, relative to the output folder."""
    path = route.lstrip("/")
    if route.endswith("/"):
        return path + "index.html"
    return path


def url_problem(value: str) -> str | None:
    """What keeps `value` from being a base URL (absolute http(s), no query, nothing that
    needs escaping), or None: the one check for site.yaml's base_url and --base-url."""
    shown = repr(value)
    bad = next((c for c in value if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        return f"{shown} contains a space or control character"
    bad = next((c for c in value if c in "\"'<>`{}|^\\" or ord(c) > 126), None)
    if bad is not None:
        return f"{shown} contains {bad!r}, which a URL may not hold unescaped"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return f"{shown} is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.netloc or "://" not in value:
        return f"{shown} is not an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return f"{shown} holds a user name or password"
    if not _valid_host(parts.hostname or "") or (port is not None and not 0 < port < 65536):
        return f"{shown} has no valid host name"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return f"{shown} has a ?query or #fragment, which a base URL cannot have"
    if not _PATH.match(parts.path):
        return f"{shown} has a character in its path that must be %-escaped, or a bad %-escape"
    return None


def _valid_host(host: str) -> bool:
    """A DNS name (ASCII: punycode for others) or an IP address."""
    if _HOST.match(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
