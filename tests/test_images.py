"""khabar.images with real Pillow on real files drawn here: widths, orientation, stripped
metadata, the cache, reproducible bytes, and every bad input as an ImageProblem."""

from __future__ import annotations

import hashlib
import io
import pickle
import re
import struct
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from khabar import images
from khabar.images import ImageProblem, Picture, icon_png, inspect, share_card, variant_bytes

ROOT = Path(__file__).resolve().parent.parent
RED, BLUE = (200, 30, 40), (20, 60, 200)
LOGO_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32" '
            b'viewBox="0 0 64 32"><rect width="64" height="32" fill="#1434c8"/></svg>')


def draw(path: Path, size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB",
         **save: object) -> Path:
    """A picture with a red top-left quarter, so turns and flips can be seen."""
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1] // 2))
    im.convert(mode).save(path, fmt, **save)
    return path


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def rgba(im: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    """The pixel as a tuple of channels, whatever the mode (typed for mypy)."""
    value = im.convert("RGBA").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def all_variants(path: Path, cache: Path) -> list[bytes]:
    picture = inspect(path)
    return [variant_bytes(path, picture, v, cache) for v in picture.variants]


@pytest.mark.parametrize(("width", "expected"), [
    (3000, [320, 480, 800, 1200]),
    (1000, [320, 480, 800, 1000]),
    (1200, [320, 480, 800, 1200]),
    (800, [320, 480, 800]),
    (400, [320, 400]),
    (300, [300]),
    (120, [120]),
])
def test_variant_widths_never_upscale(tmp_path: Path, width: int, expected: list[int]) -> None:
    height = width * 2 // 3
    picture = inspect(draw(tmp_path / "photo.png", (width, height)))
    assert [v.width for v in picture.variants] == expected
    assert [v.height for v in picture.variants] == [round(height * w / width) for w in expected]
    assert (picture.width, picture.height) == (width, height)
    assert picture.largest() == picture.variants[-1]


def test_picture_names_carry_the_content_digest(tmp_path: Path) -> None:
    path = draw(tmp_path / "benghazi.jpg", (1000, 500), "JPEG")
    picture = inspect(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert picture.digest == digest
    assert picture.media_type == "image/jpeg"
    assert [v.name for v in picture.variants] == [
        f"benghazi.{digest[:10]}.{w}.jpg" for w in (320, 480, 800, 1000)]


@pytest.mark.parametrize(("fmt", "suffix", "media_type"), [
    ("JPEG", ".jpg", "image/jpeg"), ("PNG", ".png", "image/png"),
    ("WEBP", ".webp", "image/webp")])
def test_output_keeps_format_size_and_is_reproducible(
        tmp_path: Path, fmt: str, suffix: str, media_type: str) -> None:
    path = draw(tmp_path / f"photo{suffix}", (1000, 750), fmt)
    picture = inspect(path)
    assert picture.media_type == media_type
    first = all_variants(path, tmp_path / "cache1")
    second = all_variants(path, tmp_path / "cache2")
    assert first == second  # the same input gives the same bytes: builds are reproducible
    for variant, data in zip(picture.variants, first, strict=True):
        im = opened(data)
        assert im.format == fmt
        assert im.size == (variant.width, variant.height)
        assert variant.name.endswith(suffix)
        assert rgba(im, (5, 5))[:3] == pytest.approx(RED, abs=12)
        assert rgba(im, (variant.width - 5, variant.height - 5))[:3] == pytest.approx(
            BLUE, abs=12)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: the camera was turned a quarter clockwise
    path = draw(tmp_path / "turned.jpg", (1000, 600), "JPEG", exif=exif)
    picture = inspect(path)
    assert (picture.width, picture.height) == (600, 1000)
    assert [(v.width, v.height) for v in picture.variants] == [(320, 533), (480, 800),
                                                               (600, 1000)]
    im = opened(variant_bytes(path, picture, picture.variants[1], tmp_path / "cache"))
    assert im.size == (480, 800)
    assert rgba(im, (470, 10))[:3] == pytest.approx(RED, abs=12)  # top-left went top-right
    assert rgba(im, (10, 10))[:3] == pytest.approx(BLUE, abs=12)
    assert 0x0112 not in im.getexif()


def test_all_metadata_is_stripped(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0131] = "Editing software"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (32.0, 7.0, 0.0), 3: "E", 4: (20.0, 4.0, 0.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = draw(tmp_path / "gps.jpg", (900, 600), "JPEG", exif=exif, icc_profile=icc,
                comment=b"shot near the front line")
    source = Image.open(path)
    assert source.getexif().get_ifd(0x8825)  # the input really has a GPS position
    assert "icc_profile" in source.info and "comment" in source.info
    picture = inspect(path)
    for data in all_variants(path, tmp_path / "cache"):
        im = opened(data)
        assert not im.getexif()
        assert not im.getexif().get_ifd(0x8825)
        assert not {"exif", "comment", "icc_profile", "xmp"} & set(im.info)
        assert b"Exif" not in data and b"front line" not in data
    assert len(picture.variants) == 4


def test_png_text_chunks_are_stripped(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Benghazi, 32.1N 20.1E")
    path = draw(tmp_path / "chart.png", (600, 400), pnginfo=info)
    for data in all_variants(path, tmp_path / "cache"):
        assert b"Benghazi" not in data
        assert "Location" not in opened(data).info


def test_cmyk_jpeg_becomes_rgb_and_palette_png_keeps_transparency(tmp_path: Path) -> None:
    cmyk = draw(tmp_path / "print.jpg", (600, 400), "JPEG", mode="CMYK")
    assert opened(all_variants(cmyk, tmp_path / "cache")[0]).mode == "RGB"
    palette = Image.new("P", (500, 300), 0)
    palette.putpalette([255, 255, 255, 200, 30, 40] + [0] * 762)
    palette.paste(1, (0, 0, 250, 300))
    palette.save(tmp_path / "flag.png", transparency=0)
    out = opened(all_variants(tmp_path / "flag.png", tmp_path / "cache")[1]).convert("RGBA")
    assert rgba(out, (10, 10)) == (200, 30, 40, 255)
    assert rgba(out, (470, 10))[3] == 0


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    Image.new("I;16", (600, 300), 30000).save(tmp_path / "scan.png")
    out = opened(all_variants(tmp_path / "scan.png", tmp_path / "cache")[0])
    assert rgba(out, (5, 5))[0] == pytest.approx(30000 / 257, abs=2)


def test_a_cache_hit_does_not_open_pillow(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = draw(tmp_path / "photo.jpg", (1000, 600), "JPEG")
    picture = inspect(path)
    variant = picture.variants[1]
    first = variant_bytes(path, picture, variant, tmp_path / "cache")
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [variant.name]

    def refuse(*args: object, **kwargs: object) -> Image.Image:
        raise AssertionError("Pillow opened an image on a cache hit")

    monkeypatch.setattr(Image, "open", refuse)
    assert variant_bytes(path, picture, variant, tmp_path / "cache") == first
    with pytest.raises(AssertionError):  # and the patch does catch a cache miss
        variant_bytes(path, picture, picture.variants[0], tmp_path / "cache")


def test_a_file_changed_since_inspect_is_a_problem(tmp_path: Path) -> None:
    path = draw(tmp_path / "photo.png", (600, 400))
    picture = inspect(path)
    draw(path, (600, 401))
    with pytest.raises(ImageProblem, match="changed"):
        variant_bytes(path, picture, picture.variants[0], tmp_path / "cache")


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size and holds no pixels: what a decompression bomb looks like."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def bad_text_jpeg(tmp: Path) -> Path:
    (tmp / "photo.jpg").write_text("this is not a photo\n")
    return tmp / "photo.jpg"


def bad_gif(tmp: Path) -> Path:
    return draw(tmp / "anim.gif", (300, 200), "GIF")


def bad_bomb(tmp: Path) -> Path:
    (tmp / "bomb.png").write_bytes(png_header(100_000, 100_000))
    return tmp / "bomb.png"


def bad_svg_without_size(tmp: Path) -> Path:
    (tmp / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return tmp / "logo.svg"


def bad_svg_not_xml(tmp: Path) -> Path:
    (tmp / "logo.svg").write_text("<svg width='10' <<")
    return tmp / "logo.svg"


@pytest.mark.parametrize("make", [
    bad_text_jpeg, bad_gif, bad_bomb, bad_svg_without_size, bad_svg_not_xml,
    lambda tmp: tmp / "missing.jpg", lambda tmp: tmp,  # a folder: unreadable as a file
])
def test_bad_inputs_are_image_problems(tmp_path: Path, make: object) -> None:
    assert callable(make)
    path = make(tmp_path)
    with pytest.raises(ImageProblem) as caught:  # any other exception fails this test
        inspect(path)
    assert caught.value.message and caught.value.hint
    assert str(caught.value) == f"{caught.value.message} (hint: {caught.value.hint})"


def test_gif_is_named_in_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ImageProblem, match="GIF images are not supported"):
        inspect(bad_gif(tmp_path))


def test_pillows_bomb_warning_is_a_problem_too(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = draw(tmp_path / "big.png", (40, 40))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1600 pixels: a warning, not error
    with pytest.raises(ImageProblem, match="too many pixels"):
        inspect(path)


def test_damaged_pixel_data_is_a_problem(tmp_path: Path) -> None:
    path = draw(tmp_path / "cut.jpg", (900, 600), "JPEG")
    picture = inspect(path)
    path.write_bytes(path.read_bytes()[:2000])
    truncated = Picture(picture.width, picture.height, picture.media_type,
                        hashlib.sha256(path.read_bytes()).hexdigest(), picture.variants)
    with pytest.raises(ImageProblem, match="damaged") as caught:
        variant_bytes(path, truncated, truncated.variants[0], tmp_path / "cache")
    assert caught.value.hint


def test_image_problem_survives_pickling() -> None:
    problem = pickle.loads(pickle.dumps(ImageProblem("bad", "fix it")))
    assert isinstance(problem, ImageProblem)
    assert (problem.message, problem.hint) == ("bad", "fix it")


@pytest.mark.parametrize(("svg", "size"), [
    (LOGO_SVG, (64, 32)),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80"/>', (120, 80)),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0,0,30.4,20"/>',
     (30, 20)),
])
def test_svg_is_copied_as_is(tmp_path: Path, svg: bytes, size: tuple[int, int]) -> None:
    path = tmp_path / "chart.svg"
    path.write_bytes(svg)
    picture = inspect(path)
    assert picture.media_type == "image/svg+xml"
    assert (picture.width, picture.height) == size
    [variant] = picture.variants
    assert (variant.width, variant.height) == size
    assert variant.name == f"chart.{picture.digest[:10]}.svg"
    assert variant_bytes(path, picture, variant, tmp_path / "cache") == svg


def raster_logo(tmp: Path) -> Path:
    Image.new("RGBA", (400, 200), (*BLUE, 255)).save(tmp / "logo.png")
    return tmp / "logo.png"


def svg_logo(tmp: Path) -> Path:
    (tmp / "logo.svg").write_bytes(LOGO_SVG)
    return tmp / "logo.svg"


@pytest.mark.parametrize("make", [raster_logo, svg_logo])
def test_share_card(tmp_path: Path, make: object, monkeypatch: pytest.MonkeyPatch) -> None:
    assert callable(make)
    logo = make(tmp_path)
    name, data = share_card(logo, "#F4F1EA", tmp_path / "cache")
    assert re.fullmatch(r"share\.[0-9a-f]{10}\.png", name)
    card = opened(data)
    assert (card.format, card.size) == ("PNG", images.SHARE_SIZE)
    assert rgba(card, (5, 5))[:3] == (0xF4, 0xF1, 0xEA)
    assert rgba(card, (600, 315))[:3] == pytest.approx((20, 52, 200), abs=25)
    assert rgba(card, (600, 315 - 200))[:3] == (0xF4, 0xF1, 0xEA)  # ~60% tall
    assert share_card(logo, "#f4f1ea", tmp_path / "other") == (name, data)  # reproducible
    assert share_card(logo, "#000000", tmp_path / "cache")[0] != name
    monkeypatch.setattr(Image, "open", None)  # a cache hit needs no Pillow
    assert share_card(logo, "#F4F1EA", tmp_path / "cache") == (name, data)


def test_share_card_needs_a_colour(tmp_path: Path) -> None:
    with pytest.raises(ImageProblem, match="not a colour"):
        share_card(raster_logo(tmp_path), "red", tmp_path / "cache")


def test_svg_logo_without_cairosvg_is_a_problem(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "logo.svg").write_bytes(LOGO_SVG)
    monkeypatch.setitem(sys.modules, "cairosvg", None)  # import cairosvg raises ImportError
    with pytest.raises(ImageProblem) as caught:
        share_card(tmp_path / "logo.svg", "#ffffff", tmp_path / "cache")
    assert "libcairo2" in caught.value.hint and "PNG logo" in caught.value.hint


@pytest.mark.parametrize("size", [32, 180])
@pytest.mark.parametrize("make", [raster_logo, svg_logo])
def test_icon_png(tmp_path: Path, make: object, size: int) -> None:
    assert callable(make)
    logo = make(tmp_path)
    name, data = icon_png(logo, size, tmp_path / "cache")
    assert re.fullmatch(rf"icon-{size}\.[0-9a-f]{{10}}\.png", name)
    icon = opened(data)
    assert (icon.format, icon.size, icon.mode) == ("PNG", (size, size), "RGBA")
    assert rgba(icon, (0, 0))[3] == 0  # a wide logo is padded with transparency
    assert rgba(icon, (size // 2, size // 2))[3] == 255
    assert icon_png(logo, size, tmp_path / "other") == (name, data)


def test_the_example_sites_artwork_is_usable() -> None:
    logo = ROOT / "images" / "logo.svg"
    picture = inspect(logo)
    assert (picture.width, picture.height) == (64, 64)
    assert logo.stat().st_size < 2048
    assert b"<text" not in logo.read_bytes()  # shapes only: no font needed to draw it
    map_ = ROOT / "images" / "libya-benghazi-map.png"
    picture = inspect(map_)
    assert (picture.width, picture.height, picture.media_type) == (1600, 900, "image/png")
    assert map_.stat().st_size < 150_000


def test_a_picture_known_by_its_stamp_is_not_read_again(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """inspect_all trusts what an earlier build found of a file with the same stamp, last
    changed before that build (git's racy-clean rule); a changed file is read again."""
    import os
    (tmp_path / "images").mkdir()
    path = draw(tmp_path / "images/a.png", (900, 600))
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    named = [("images/a.png", "content/a.fa.md", 3)]
    found, known = images.inspect_all(tmp_path, named)
    assert found["images/a.png"].width == 900 and set(known) == {"images/a.png"}

    read: list[Path] = []
    real = images.inspect
    monkeypatch.setattr(images, "inspect", lambda p: read.append(p) or real(p))
    again, _ = images.inspect_all(tmp_path, named, known, trusted_before=2_000_000_000)
    assert again == found and read == []
    images.inspect_all(tmp_path, named, known, trusted_before=500_000_000)  # racy: read
    assert read == [path]
    draw(path, (700, 600))  # another picture in the same file
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    changed, _ = images.inspect_all(tmp_path, named, known, trusted_before=2_000_000_000)
    assert changed["images/a.png"].width == 700
