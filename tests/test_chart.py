from __future__ import annotations

import io
import struct
from datetime import date, timedelta

import matplotlib.image as mpimg

from bot.chart import COLOURS, DONE, MISSED, NOTHING, SKIPPED, UPCOMING, ChartRow, render

FIRST = date(2026, 10, 5)  # a Monday


def pixel_hex(png: bytes, x: int, y: int) -> str:
    image = mpimg.imread(io.BytesIO(png), format="png")
    r, g, b = (round(float(v) * 255) for v in image[y][x][:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def test_png_is_valid_and_colours_match_the_history() -> None:
    exfoliation = {FIRST + timedelta(0): DONE, FIRST + timedelta(3): SKIPPED, FIRST + timedelta(7): MISSED}
    cream = {FIRST + timedelta(d): DONE for d in range(0, 50)} | {FIRST + timedelta(55): UPCOMING}
    chart = render([ChartRow("Exfoliate your back", exfoliation), ChartRow("Scar cream", cream)], FIRST)
    assert chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", chart.png[16:24])
    assert (width, height) == (chart.width, chart.height)
    assert 600 <= width <= 1200 and 150 <= height <= 900  # readable on a phone, not huge
    expected = {
        (0, 0): DONE,
        (0, 3): SKIPPED,
        (0, 7): MISSED,
        (0, 1): NOTHING,
        (1, 10): DONE,
        (1, 55): UPCOMING,
        (1, 52): NOTHING,
    }
    for (row, column), state in expected.items():
        x, y = chart.cell_centres[(row, column)]
        assert pixel_hex(chart.png, x, y) == COLOURS[state], (row, column)


def test_no_rows_still_renders_an_empty_calendar() -> None:
    chart = render([], FIRST)
    assert chart.png.startswith(b"\x89PNG")
    x, y = chart.cell_centres[(0, 0)]
    assert pixel_hex(chart.png, x, y) == COLOURS[NOTHING]
