"""The site's logo and what is made from it: the favicon, a touch icon, the default share
card (social sites ignore SVG: theirs is a PNG), the publisher's logo in structured data
and feeds. Made once (images.py caches every file by content hash)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import images
from .config import SiteConfig
from .errors import Diagnostic, KhabarError, display_path
from .images import ImageProblem, Picture
from .sources import SITE_FILE
from .urls import Urls

SHARE_BACKGROUND = "#fdfcf9"  # the theme's paper colour
ICON_SIZES = (180, 32)  # the touch icon, and the favicon for browsers without SVG ones


@dataclass(frozen=True)
class Brand:
    """The logo's published files, as pages, feeds and structured data name them."""

    logo: str  # href of the logo as given (SVG copied, a raster one at its largest width)
    logo_absolute: str
    logo_type: str
    logo_width: int
    logo_height: int
    icon: str  # href of the 180-px PNG (apple-touch-icon)
    icon_absolute: str
    favicon_png: str  # href of the 32-px PNG
    favicon_absolute: str
    share: str  # absolute URL of the 1200x630 share card; "" when it could not be made
    files: tuple[tuple[str, str], ...]  # (route, name in the cache) of the made files


def make(config: SiteConfig, pictures: Mapping[str, Picture], urls: Urls,
         cache_dir: Path) -> tuple[Brand | None, list[Diagnostic]]:
    """The site's Brand (None without a logo), and a warning for what could not be made
    (an SVG logo without cairo installed: no touch icon or share card, the build goes
    on)."""
    if not config.logo or config.logo not in pictures:
        return None, []
    picture: Picture = pictures[config.logo]
    path = config.root / config.logo
    largest = picture.largest()
    files: list[tuple[str, str]] = []
    warnings: list[Diagnostic] = []
    made: dict[str, str] = {}
    try:
        for size in ICON_SIZES:
            name, _data = images.icon_png(path, size, cache_dir)
            made[f"icon{size}"] = name
        share_name, _data = images.share_card(path, SHARE_BACKGROUND, cache_dir)
        made["share"] = share_name
    except ImageProblem as exc:
        warnings.append(Diagnostic(display_path(config.root / SITE_FILE), None,
                                   f"logo '{config.logo}': {exc.message}; the site goes "
                                   "without a share image and touch icon", exc.hint))
    files.extend((urls.media(name), name) for name in made.values())
    logo_route = urls.media(largest.name)
    icon = made.get("icon180", "")
    return Brand(
        logo=urls.href(logo_route), logo_absolute=urls.absolute(logo_route),
        logo_type=picture.media_type, logo_width=largest.width, logo_height=largest.height,
        icon=urls.href(urls.media(icon)) if icon else "",
        icon_absolute=urls.absolute(urls.media(icon)) if icon else "",
        favicon_png=urls.href(urls.media(made["icon32"])) if "icon32" in made else "",
        favicon_absolute=urls.absolute(urls.media(made["icon32"])) if "icon32" in made
        else "",
        share=urls.absolute(urls.media(made["share"])) if "share" in made else "",
        files=tuple(files)), warnings


def media_files(pictures: Mapping[str, Picture], root: Path, cache_dir: Path,
                brand: Brand | None) -> Iterator[tuple[str, bytes, str]]:
    """(route, bytes, origin) of every picture Khabar publishes: each local image's
    variants and the files made from the logo."""
    for src, picture in sorted(pictures.items()):
        for variant in picture.variants:
            try:
                data = images.variant_bytes(root / src, picture, variant, cache_dir)
            except ImageProblem as exc:
                raise KhabarError([Diagnostic(display_path(root / src), None, exc.message,
                                              exc.hint)]) from None
            yield Urls.media(variant.name), data, src
    if brand is not None:
        for route, name in brand.files:
            yield route, (cache_dir / name).read_bytes(), "the logo"
