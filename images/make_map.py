"""Draw images/libya-benghazi-map.png: a schematic map of the central Mediterranean.

Libya's coast with Benghazi and Tripoli marked, Turkey to the north-east. Coastlines are
hand-entered approximate (longitude, latitude) points, not survey data: not for navigation.
No text is drawn (Persian text in Pillow is unreliable); the article's caption names places.

Run with only Pillow installed:  python images/make_map.py
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from PIL import Image, ImageDraw

W, H = 1600, 900
SCALE = 2  # drawn at twice the size, then reduced: smooth coastlines without antialiasing
LAT_TOP, LAT_BOTTOM = 42.5, 29.5
LON_LEFT = 9.3
LON_RIGHT = LON_LEFT + (LAT_TOP - LAT_BOTTOM) * W / H / math.cos(math.radians(36))

SEA, LAND, LIBYA, TURKEY = "#cfe3ee", "#eadfc8", "#dcc69b", "#e3d3b4"
COAST, BORDER, GRID, MARK = "#b9a582", "#9c8a6a", "#bdd5e2", "#9b2226"

L, R, T, B = LON_LEFT - 1, LON_RIGHT + 1, LAT_TOP + 1, LAT_BOTTOM - 1  # beyond the edges

# The land around the sea: Tunisia, Libya, Egypt, the Levant, Anatolia, Greece, Albania.
MAINLAND = [
    (L, B), (L, 37.2), (9.87, 37.27), (10.3, 37.15), (11.0, 37.08), (10.6, 36.4),
    (10.64, 35.83), (11.06, 35.5), (11.15, 35.23), (10.76, 34.74), (10.3, 34.3),
    (10.1, 33.88), (10.7, 33.7), (11.1, 33.5), (11.57, 33.17), (12.08, 32.93),
    (12.48, 32.8), (13.19, 32.89), (14.26, 32.65), (15.2, 32.4), (15.4, 31.9), (15.8, 31.4),
    (16.6, 31.2), (17.5, 30.8), (18.2, 30.45), (19.0, 30.27), (19.57, 30.41), (20.0, 30.9),
    (20.1, 31.5), (20.07, 32.12), (20.5, 32.55), (20.95, 32.7), (21.6, 32.85),
    (22.2, 32.9), (22.64, 32.77), (23.1, 32.6), (23.97, 32.08), (24.6, 31.95),
    (25.1, 31.7), (25.9, 31.6), (27.24, 31.35), (28.95, 30.83), (29.9, 31.2), (30.4, 31.45),
    (31.2, 31.55), (31.8, 31.5), (32.3, 31.27), (33.0, 31.1), (33.8, 31.13), (34.45, 31.5),
    (34.77, 32.08), (34.95, 32.82), (35.2, 33.27), (35.47, 33.9), (35.83, 34.44),
    (35.9, 34.9), (35.78, 35.52), (35.92, 35.92), (35.95, 36.2), (36.17, 36.58),
    (35.8, 36.77), (35.38, 36.56), (34.63, 36.79), (34.2, 36.55), (33.88, 36.32),
    (32.8, 36.02), (32.0, 36.54), (31.45, 36.78), (30.7, 36.88), (30.57, 36.6),
    (30.4, 36.25), (29.64, 36.2), (29.1, 36.65), (28.8, 36.73), (28.27, 36.85),
    (27.4, 36.7), (27.43, 37.03), (27.2, 37.35), (27.26, 37.86), (26.3, 38.32),
    (27.1, 38.45), (26.7, 38.6), (26.9, 38.95), (26.69, 39.31), (26.06, 39.48),
    (26.15, 39.98), (26.18, 40.05), (26.25, 40.25), (26.45, 40.45), (26.7, 40.6), (26.4, 40.62),
    (26.05, 40.73), (25.87, 40.85),
    (24.4, 40.93), (23.9, 40.5), (23.3, 40.2), (22.94, 40.64), (22.6, 40.27), (22.95, 39.36),
    (23.3, 39.15), (23.0, 39.05), (22.7, 38.9), (23.0, 38.75), (23.4, 38.5), (23.55, 38.38),
    (23.95, 38.2), (24.02, 37.65), (23.6, 37.95), (23.3, 38.0), (23.0, 37.93), (23.15, 37.65),
    (22.8, 37.56), (23.05, 37.25), (23.2, 36.44), (22.56, 36.76),
    (22.48, 36.39), (22.11, 37.03), (21.7, 36.82), (21.67, 37.25), (21.32, 37.65),
    (21.73, 38.25), (21.4, 38.37), (21.1, 38.5), (20.75, 38.96), (20.27, 39.5),
    (20.0, 39.87), (19.49, 40.47), (19.45, 41.32), (19.3, 41.9), (19.1, 42.1),
    (18.77, 42.42), (18.4, T), (R, T), (R, B),
]
ITALY = [
    (11.0, T), (11.2, 42.44), (11.8, 42.09), (12.23, 41.75), (12.63, 41.45), (13.57, 41.21),
    (14.25, 40.84), (14.75, 40.68), (15.27, 40.03), (15.63, 40.07), (15.79, 39.81),
    (16.03, 39.36), (16.15, 38.73), (15.83, 38.62), (15.9, 38.43), (15.65, 38.1),
    (16.06, 37.92), (16.6, 38.8), (17.1, 38.9), (17.13, 39.08), (16.6, 40.1),
    (17.24, 40.47), (17.99, 40.05), (18.36, 39.8), (18.49, 40.15), (17.94, 40.64),
    (16.87, 41.13), (16.28, 41.32), (15.9, 41.63), (16.18, 41.9), (15.0, 42.0),
    (14.2, 42.46), (14.1, T),
]
ISLANDS = [
    [(15.55, 38.19), (15.65, 38.27), (15.24, 38.27), (14.02, 38.04), (13.36, 38.13),  # Sicily
     (12.73, 38.18), (12.5, 38.02), (12.43, 37.8), (12.59, 37.65), (13.08, 37.5),
     (13.58, 37.27), (13.93, 37.1), (14.25, 37.06), (14.85, 36.72), (15.13, 36.69),
     (15.29, 37.07), (15.22, 37.23), (15.09, 37.5), (15.29, 37.85)],
    [(L, 41.3), (9.2, 41.25), (9.5, 41.1), (9.75, 40.9), (9.65, 40.5), (9.72, 40.0),  # Sardinia
     (9.63, 39.5), (9.55, 39.1), (L, 39.1)],
    [(L, 41.6), (9.25, 41.37), (9.4, 41.6), (9.55, 42.1), (9.5, T), (L, T)],  # Corsica
    [(23.55, 35.25), (23.65, 35.5), (24.02, 35.51), (24.47, 35.37), (25.13, 35.34),  # Crete
     (25.72, 35.19), (26.1, 35.2), (26.3, 35.3), (26.3, 35.0), (25.73, 35.0),
     (24.9, 34.93), (24.2, 35.15)],
    [(34.59, 35.69), (33.32, 35.34), (32.92, 35.4), (32.9, 35.2), (32.42, 35.04),  # Cyprus
     (32.42, 34.76), (33.04, 34.67), (33.05, 34.56), (33.63, 34.92), (34.08, 34.96),
     (33.95, 35.12)],
    [(27.7, 36.1), (28.1, 36.45), (28.25, 36.45), (28.2, 36.1), (27.85, 35.9)],  # Rhodes
    [(14.2, 36.08), (14.56, 35.82), (14.5, 35.8), (14.3, 35.9)],  # Malta and Gozo
    [(26.05, 39.35), (26.6, 39.4), (26.6, 39.0), (26.3, 39.0)],  # Lesbos
    [(23.1, 39.0), (23.4, 38.95), (23.7, 38.75), (24.15, 38.6), (24.6, 38.15),  # Euboea
     (24.55, 37.98), (24.2, 38.18), (23.75, 38.33), (23.6, 38.45), (23.25, 38.65),
     (23.05, 38.85)],
]
SEAS = [  # drawn over the land
    [(27.95, T), (27.98, 41.98), (28.1, 41.63), (28.7, 41.35), (29.05, 41.22),  # Black Sea
     (29.6, 41.18), (30.2, 41.18), (31.4, 41.28), (31.8, 41.45), (32.4, 41.75),
     (33.0, 41.9), (33.77, 41.98), (35.15, 42.03), (35.3, 41.7), (35.95, 41.73),
     (36.33, 41.29), (37.28, 41.13), (R, 41.0), (R, T)],
    [(26.2, 40.03), (26.28, 39.99), (26.5, 40.18), (26.74, 40.35), (27.3, 40.38),  # Marmara
     (27.5, 40.3), (28.0, 40.38), (29.0, 40.38), (29.9, 40.72), (29.05, 41.0), (28.0, 40.98),
     (27.5, 40.97), (27.1, 40.62), (26.72, 40.44), (26.45, 40.25)],
]
LIBYA_AREA = [(11.57, 33.17), (11.5, 32.4), (10.3, 31.7), (10.2, 30.9), (9.55, 30.23),
              (9.8, B), (25.0, B), (25.0, 31.5), (25.1, 31.7)]
TURKEY_AREA = [(35.92, 35.92), (36.15, 35.82), (36.4, 36.2), (36.67, 36.23), (36.55, 36.5),
               (36.7, 36.82), (R, 36.65), (R, T), (27.98, T), (27.98, 41.98), (26.35, 41.72),
               (26.05, 40.73)]
BENGHAZI, TRIPOLI = (20.07, 32.12), (13.19, 32.89)


def coast(first: tuple[float, float], last: tuple[float, float]) -> list[tuple[float, float]]:
    """The stretch of MAINLAND's coast from one of its points to another."""
    return MAINLAND[MAINLAND.index(first):MAINLAND.index(last) + 1]


def xy(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular, scaled for 36 degrees north: the shapes look right to a reader."""
    x = (lon - LON_LEFT) / (LON_RIGHT - LON_LEFT) * W
    return x * SCALE, (LAT_TOP - lat) / (LAT_TOP - LAT_BOTTOM) * H * SCALE


def polygon(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill: str) -> None:
    draw.polygon([xy(*p) for p in points], fill=fill)


def outline(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]]) -> None:
    draw.line([xy(*p) for p in [*points, points[0]]], fill=COAST, width=2 * SCALE,
              joint="curve")


def dashed(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]]) -> None:
    """A land border as a dashed line, so it does not read as a coast."""
    dash, gap = 10 * SCALE, 7 * SCALE
    for a, b in itertools.pairwise(points):
        (x0, y0), (x1, y1) = xy(*a), xy(*b)
        length = math.hypot(x1 - x0, y1 - y0)
        t = 0.0
        while t < length:
            e = min(t + dash, length)
            draw.line([(x0 + (x1 - x0) * t / length, y0 + (y1 - y0) * t / length),
                       (x0 + (x1 - x0) * e / length, y0 + (y1 - y0) * e / length)],
                      fill=BORDER, width=2 * SCALE)
            t += dash + gap


def marker(draw: ImageDraw.ImageDraw, lon: float, lat: float, radius: float) -> None:
    x, y = xy(lon, lat)
    r = radius * SCALE
    draw.ellipse([x - r - 4 * SCALE, y - r - 4 * SCALE, x + r + 4 * SCALE, y + r + 4 * SCALE],
                 fill="#ffffff")
    draw.ellipse([x - r, y - r, x + r, y + r], fill=MARK)


def main() -> None:
    image = Image.new("RGB", (W * SCALE, H * SCALE), SEA)
    draw = ImageDraw.Draw(image)
    for lon in range(10, 40, 5):  # a faint graticule, every 5 degrees
        draw.line([xy(lon, T), xy(lon, B)], fill=GRID, width=SCALE)
    for lat in range(30, 45, 5):
        draw.line([xy(L, lat), xy(R, lat)], fill=GRID, width=SCALE)
    for shape in [MAINLAND, ITALY, *ISLANDS]:
        polygon(draw, shape, LAND)
    polygon(draw, LIBYA_AREA + coast(LIBYA_AREA[0], LIBYA_AREA[-1])[::-1], LIBYA)
    polygon(draw, TURKEY_AREA + coast(TURKEY_AREA[0], TURKEY_AREA[-1])[::-1], TURKEY)
    for sea in SEAS:
        polygon(draw, sea, SEA)
    for shape in [MAINLAND, ITALY, *ISLANDS, *SEAS]:
        outline(draw, shape)
    dashed(draw, LIBYA_AREA[:6])  # Tunisia and Algeria
    dashed(draw, LIBYA_AREA[-3:])  # Egypt
    dashed(draw, TURKEY_AREA[:7])  # Syria
    dashed(draw, TURKEY_AREA[-3:])  # Bulgaria and Greece
    marker(draw, *TRIPOLI, radius=9)
    marker(draw, *BENGHAZI, radius=12)  # the story's city, a little larger
    image = image.resize((W, H), Image.Resampling.LANCZOS)
    out = Path(__file__).with_name("libya-benghazi-map.png")
    image = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    image.save(out, optimize=True)  # a 256-colour palette: a quarter of the RGB file's size
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
