"""Local images: inspected once, resized into srcset variants, cached by content hash.

Every output name carries the first 10 hex digits of the source's SHA-256, so a cached file
is never stale and can be served with a long cache lifetime. Outputs are stripped of all
metadata (EXIF with GPS, XMP, comments, ICC after conversion to sRGB: a newsroom must not
leak where a photo was taken) and are byte-for-byte the same on every run, so builds are
reproducible. Problems are ImageProblem, never a Pillow traceback.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

from .errors import Diagnostic, KhabarError

WIDTHS: tuple[int, ...] = (320, 480, 800, 1200)  # srcset candidates; never upscaled
SHARE_SIZE = (1200, 630)
JPEG_QUALITY = 82
_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
            "WEBP": ("image/webp", ".webp")}
_SWAPPED = (5, 6, 7, 8)  # EXIF orientations that turn the picture a quarter
_FORMATS_HINT = "give a JPEG, PNG, WebP or SVG file"


class ImageProblem(Exception):
    """An image that cannot be used; reported as `PATH: error: MESSAGE (hint: HINT)`."""

    def __init__(self, message: str, hint: str) -> None:
        self.message, self.hint = message, hint
        super().__init__(f"{message} (hint: {hint})")

    def __reduce__(self) -> tuple[type[ImageProblem], tuple[str, str]]:
        return (ImageProblem, (self.message, self.hint))  # crosses from build workers intact


@dataclass(frozen=True)
class Variant:
    """One output file: the source at one width."""

    width: int
    height: int
    name: str  # STEM.DIGEST10.WIDTH.EXT, or STEM.DIGEST10.svg for an SVG copied as is


@dataclass(frozen=True)
class Picture:
    """What a page needs to know about a source image, without decoding its pixels."""

    width: int  # as displayed, after the EXIF orientation
    height: int
    media_type: str
    digest: str  # sha256 of the file's bytes
    variants: tuple[Variant, ...]  # ascending width

    def largest(self) -> Variant:
        return self.variants[-1]


def inspect(path: Path) -> Picture:
    """Read the file once and plan its variants (only the header is decoded)."""
    data = _read(path)
    digest = hashlib.sha256(data).hexdigest()
    prefix = f"{path.stem}.{digest[:10]}"
    if path.suffix.lower() == ".svg":
        width, height = _svg_size(data)
        return Picture(round(width), round(height), "image/svg+xml", digest,
                       (Variant(round(width), round(height), f"{prefix}.svg"),))
    with _open(data) as im:
        media_type, ext = _FORMATS[str(im.format)]
        width, height = im.size
        if _orientation(im) in _SWAPPED:
            width, height = height, width
    widths = sorted({w for w in WIDTHS if w < width} | {min(width, max(WIDTHS))})
    variants = tuple(Variant(w, max(1, round(height * w / width)), f"{prefix}.{w}{ext}")
                     for w in widths)
    return Picture(width, height, media_type, digest, variants)


# (size, mtime, ctime, inode) of a picture's file, and what inspecting it found
Known = dict[str, tuple[tuple[int, int, int, int], Picture]]


def inspect_all(root: Path, named: Iterable[tuple[str, str, int | None]],
                known: Known | None = None, trusted_before: int = 0
                ) -> tuple[dict[str, Picture], Known]:
    """Every local picture the site names (`images/…` relative to `root`, with the file
    and line naming it), each inspected once; every problem an error on a line that
    names it, all at once. A file `known` with the same stamp, last changed before
    `trusted_before` (ns, git's racy-clean rule), is not read again: a site with thousands
    of photos does not hash them all at every build. Also returns what the next build
    may trust."""
    found: dict[str, Picture] = {}
    seen: Known = {}
    problems: list[Diagnostic] = []
    for src, shown, line in named:
        if src in found:
            continue
        path = root / src
        try:
            st = os.stat(path)
        except OSError:
            st = None
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if st else None
        hit = (known or {}).get(src)
        if st is not None and hit is not None and hit[0] == stamp \
                and st.st_mtime_ns < trusted_before:
            found[src] = hit[1]
        else:
            try:
                found[src] = inspect(path)
            except ImageProblem as exc:
                problems.append(Diagnostic(shown, line, f"image '{src}': {exc.message}",
                                           exc.hint))
                continue
        if stamp is not None:
            seen[src] = (stamp, found[src])
    if problems:
        raise KhabarError(problems)
    return found, seen


def variant_bytes(path: Path, picture: Picture, variant: Variant, cache_dir: Path) -> bytes:
    """The variant's file, from the cache when it is there (then Pillow is not touched)."""
    cached = _cached(cache_dir / variant.name)
    if cached is not None:
        return cached
    from PIL import Image  # Pillow, loaded when needed
    data = _read(path)
    if hashlib.sha256(data).hexdigest() != picture.digest:
        raise ImageProblem("the file changed while the site was being built",
                           "build again")
    if picture.media_type == "image/svg+xml":
        return _store(cache_dir / variant.name, data)
    with _open(data) as source:
        paletted = source.mode == "P"
        im = _pixels(source, keep_alpha=picture.media_type != "image/jpeg")
        im = im.resize((variant.width, variant.height), Image.Resampling.LANCZOS)
        if paletted and picture.media_type == "image/png" and im.mode == "RGB":
            im = im.quantize(256)  # a drawing (a map, a chart) stays a small PNG
        out = io.BytesIO()
        if picture.media_type == "image/jpeg":
            im.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
        elif picture.media_type == "image/png":
            im.save(out, "PNG", optimize=True)
        else:
            im.save(out, "WEBP", quality=JPEG_QUALITY)
    return _store(cache_dir / variant.name, out.getvalue())


def share_card(logo: Path, background: str, cache_dir: Path) -> tuple[str, bytes]:
    """A 1200x630 PNG for og:image and twitter:image: the logo centred on `background`."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", background):
        raise ImageProblem(f"share card background {background!r} is not a colour",
                           'write it as "#rrggbb", for example "#9b2226"')
    data = _read(logo)
    key = hashlib.sha256(data + b"\0" + background.lower().encode()).hexdigest()
    name = f"share.{key[:10]}.png"

    def make() -> Image.Image:
        from PIL import Image  # Pillow, loaded when needed

        card = Image.new("RGBA", SHARE_SIZE, background)
        mark = _logo(logo, data, (SHARE_SIZE[0] * 8 // 10, SHARE_SIZE[1] * 6 // 10))
        card.alpha_composite(mark, ((SHARE_SIZE[0] - mark.width) // 2,
                                    (SHARE_SIZE[1] - mark.height) // 2))
        return card.convert("RGB")

    return name, _cached(cache_dir / name) or _store(cache_dir / name, _png(make))


def icon_png(logo: Path, size: int, cache_dir: Path) -> tuple[str, bytes]:
    """A square icon (apple-touch-icon, favicon fallback): the logo, padded transparently."""
    data = _read(logo)
    name = f"icon-{size}.{hashlib.sha256(data).hexdigest()[:10]}.png"

    def make() -> Image.Image:
        from PIL import Image  # Pillow, loaded when needed

        icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        mark = _logo(logo, data, (size, size))
        icon.alpha_composite(mark, ((size - mark.width) // 2, (size - mark.height) // 2))
        return icon

    return name, _cached(cache_dir / name) or _store(cache_dir / name, _png(make))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageProblem("image file not found", "check the path and its spelling") from None
    except OSError as err:
        raise ImageProblem(f"cannot read the image: {err.strerror or err}",
                           "check that the file is readable") from None


def _open(data: bytes) -> Image.Image:
    """Open (header only) with the decompression-bomb guard turned into an ImageProblem."""
    from PIL import Image, UnidentifiedImageError  # Pillow, loaded when needed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem(f"the image has too many pixels (over {Image.MAX_IMAGE_PIXELS})",
                           "resize it to a few thousand pixels wide before adding it") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageProblem("not an image that can be read", _FORMATS_HINT) from None
    if im.format not in _FORMATS:
        im.close()
        raise ImageProblem(f"{im.format} images are not supported", _FORMATS_HINT)
    return im


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except Exception:  # damaged EXIF must not stop a build; the pixels may still be fine
        return 1


def _pixels(source: Image.Image, keep_alpha: bool) -> Image.Image:
    """Decoded, turned upright, in sRGB, with no metadata left to be saved."""
    from PIL import ImageCms, ImageOps  # Pillow, loaded when needed
    try:
        im = ImageOps.exif_transpose(source)
    except Exception as err:  # truncated or corrupt data: Pillow raises many kinds
        raise ImageProblem(f"the image data is damaged ({err})",
                           "open it in an image editor and export it again") from None
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            srgb = ImageCms.createProfile("sRGB")
            mode = "RGBA" if im.mode == "RGBA" else "RGB"
            im = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                           srgb, outputMode=mode) or im
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: keep the numbers as they are
    if im.mode.startswith("I"):  # 16-bit grey PNG: scale down, convert() would clip it
        im = im.convert("I").point(lambda v: v / 257).convert("L")
    alpha = "A" in im.mode or "transparency" in im.info
    if keep_alpha and alpha:
        im = im.convert("RGBA")
    elif im.mode not in ("RGB", "L"):
        im = im.convert("RGBA").convert("RGB") if alpha else im.convert("RGB")
    im.info.clear()  # EXIF, GPS, XMP, comments, ICC, dpi: Pillow saves some from info
    return im


def _svg_size(data: bytes) -> tuple[float, float]:
    """Width and height from the <svg> element's attributes or, failing those, its viewBox."""
    hint = "give the <svg> element width and height attributes or a viewBox"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise ImageProblem(f"not an SVG file that can be read ({err})", _FORMATS_HINT) from None
    if root.tag.rsplit("}", 1)[-1] != "svg":
        raise ImageProblem("the file is XML but not SVG", _FORMATS_HINT)
    number = r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?:px)?\s*"
    sizes = [re.fullmatch(number, root.get(a, "")) for a in ("width", "height")]
    if sizes[0] and sizes[1]:
        size = (float(sizes[0][1]), float(sizes[1][1]))
    else:
        box = re.split(r"[\s,]+", root.get("viewBox", "").strip())
        try:
            size = (float(box[2]), float(box[3]))
        except (IndexError, ValueError):
            raise ImageProblem("the SVG has no size", hint) from None
    if not (size[0] >= 1 and size[1] >= 1):
        raise ImageProblem("the SVG's size is less than 1 pixel", hint)
    return size


def _logo(path: Path, data: bytes, box: tuple[int, int]) -> Image.Image:
    """The logo as RGBA, scaled to fit `box` (SVG drawn at that size, not enlarged pixels)."""
    from PIL import Image  # Pillow, loaded when needed
    if path.suffix.lower() == ".svg":
        w, h = _svg_size(data)
        scale = min(box[0] / w, box[1] / h)
        cairosvg = _cairosvg()  # unsafe=False (default): no entities, no files, no network
        try:
            png = cairosvg.svg2png(bytestring=data, output_width=max(1, round(w * scale)),
                                   output_height=max(1, round(h * scale)))
        except Exception as err:  # cairosvg raises many kinds on SVG it cannot draw
            raise ImageProblem(f"cannot draw the SVG logo ({err})",
                               "simplify it, or give a PNG logo") from None
        return Image.open(io.BytesIO(png)).convert("RGBA")
    with _open(data) as source:
        im = _pixels(source, keep_alpha=True).convert("RGBA")
    scale = min(box[0] / im.width, box[1] / im.height)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.Resampling.LANCZOS)


def _cairosvg() -> Any:
    """cairosvg, imported only when an SVG logo must be drawn (it needs libcairo)."""
    try:
        import cairosvg  # type: ignore[import-untyped]
        return cairosvg
    except (ImportError, OSError) as err:  # OSError: cairocffi found no libcairo
        raise ImageProblem(f"cannot draw the SVG logo: {err}",
                           "pip install cairosvg and apt-get install libcairo2, "
                           "or give a PNG logo") from None


def _png(make: Callable[[], Image.Image]) -> bytes:
    out = io.BytesIO()
    make().save(out, "PNG", optimize=True)
    return out.getvalue()


def _cached(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _store(path: Path, data: bytes) -> bytes:
    """Write atomically: a reader (or a parallel build) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a copied output must be servable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data
