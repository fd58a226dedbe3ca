from __future__ import annotations

import io
import itertools
import struct
from collections import Counter
from datetime import date, timedelta

import matplotlib.image as mpimg

from bot.chart import (
    COLOURS,
    DONE,
    HATCHES,
    MISSED,
    NOTHING,
    PENDING,
    SKIPPED,
    UPCOMING,
    Chart,
    ChartRow,
    render,
    slices,
)

TODAY = date(2026, 11, 29)  # a Sunday
FIRST = TODAY - timedelta(days=55)  # a Monday


def pixel_hex(png: bytes, x: int, y: int) -> str:
    image = mpimg.imread(io.BytesIO(png), format="png")
    r, g, b = (round(float(v) * 255) for v in image[y][x][:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def dominant_hex(png: bytes, box: tuple[int, int, int, int]) -> str:
    """The commonest colour in the middle of a pixel box (left, top, right, bottom): a hatched cell's fill."""
    image = mpimg.imread(io.BytesIO(png), format="png")
    left, top, right, bottom = box
    dx, dy = max(1, (right - left) // 4), max(1, (bottom - top) // 4)
    counts: Counter[str] = Counter()
    for y in range(top + dy, bottom - dy + 1):
        for x in range(left + dx, right - dx + 1):
            r, g, b = (round(float(v) * 255) for v in image[y][x][:3])
            counts[f"#{r:02x}{g:02x}{b:02x}"] += 1
    return counts.most_common(1)[0][0]


def slice_colours(chart: Chart, row: int, column: int, states: tuple[int, ...]) -> list[str]:
    """The colour in the middle of each slice the cell of `states` is drawn with, left to right."""
    left, top, right, bottom = chart.cell_boxes[(row, column)]
    colours = []
    for start, width, _ in slices(states):
        x = round(left + (start + width / 2) * (right - left))
        colours.append(dominant_hex(chart.png, (x - 1, top, x + 1, bottom)))
    return colours


def test_png_is_valid_and_colours_match_the_history() -> None:
    exfoliation = {FIRST: (DONE,), FIRST + timedelta(3): (SKIPPED,), FIRST + timedelta(7): (MISSED,)}
    cream = {FIRST + timedelta(d): (DONE,) for d in range(0, 50)} | {TODAY: (PENDING,)}
    chart = render([ChartRow("Exfoliate your back", exfoliation), ChartRow("Scar cream", cream)], TODAY)
    assert chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", chart.png[16:24])
    assert (width, height) == (chart.width, chart.height)
    assert 600 <= width <= 1200 and 150 <= height <= 900  # readable on a phone, not huge
    expected = {(0, 0): DONE, (0, 3): SKIPPED, (0, 7): MISSED, (0, 1): NOTHING, (1, 10): DONE, (1, 55): PENDING}
    expected |= {(1, 52): NOTHING}
    for (row, column), state in expected.items():
        assert slice_colours(chart, row, column, (state,)) == [COLOURS[state]], (row, column)
    x, y = chart.cell_centres[(0, 0)]
    assert pixel_hex(chart.png, x, y) == COLOURS[DONE]  # done is solid


def test_the_title_says_what_it_shows_today_is_marked_and_nothing_lies_ahead() -> None:
    chart = render([ChartRow("Scar cream", {TODAY: (DONE, UPCOMING)})], TODAY)
    assert chart.title == "Your last 8 weeks: Mon 5 Oct to today, Sun 29 Nov 2026"
    assert chart.first_day == FIRST and chart.column_of(TODAY) == chart.today_column == 55
    assert max(column for _, column in chart.cell_boxes) == chart.today_column  # no column after today
    assert chart.x_labels[chart.today_column] == "today"
    assert all(label != "today" for column, label in chart.x_labels.items() if column != chart.today_column)
    mondays = ["5 Oct", "12 Oct", "19 Oct", "26 Oct", "2 Nov", "9 Nov", "16 Nov", "23 Nov"]
    assert [chart.x_labels[c] for c in range(0, 55, 7)] == mondays
    tuesday = render([], TODAY + timedelta(days=2))  # Monday's label would crowd 'today': it is left out
    assert tuesday.x_labels[55] == "today" and 54 not in tuesday.x_labels and tuesday.x_labels[47] == "23 Nov"
    # Today's outline: black just outside today's cell, not around yesterday's.
    left, top, _, bottom = chart.cell_boxes[(0, chart.today_column)]
    middle = (top + bottom) // 2
    assert any(pixel_hex(chart.png, x, middle) == "#000000" for x in range(left - 4, left))
    y_left, _, _, _ = chart.cell_boxes[(0, chart.today_column - 1)]
    assert all(pixel_hex(chart.png, x, middle) != "#000000" for x in range(y_left - 4, y_left))


def test_two_in_a_day_are_two_slices_in_time_order() -> None:
    crowded = (DONE,) * 10 + (MISSED,) * 5 + (PENDING,) * 5
    rows = [ChartRow("Cream morning and evening", {FIRST: (DONE, MISSED), FIRST + timedelta(1): (MISSED, DONE)})]
    rows.append(ChartRow("Every minute", {FIRST: crowded}))
    chart = render(rows, TODAY)
    assert slice_colours(chart, 0, 0, (DONE, MISSED)) == [COLOURS[DONE], COLOURS[MISSED]]
    assert slice_colours(chart, 0, 1, (MISSED, DONE)) == [COLOURS[MISSED], COLOURS[DONE]]
    assert slice_colours(chart, 1, 0, crowded) == [COLOURS[DONE], COLOURS[MISSED], COLOURS[PENDING]]
    assert slices((DONE, SKIPPED, DONE)) == [(0, 1 / 3, DONE), (1 / 3, 1 / 3, SKIPPED), (2 / 3, 1 / 3, DONE)]
    assert [(state, width) for _, width, state in slices(crowded)] == [(DONE, 0.5), (MISSED, 0.25), (PENDING, 0.25)]


def test_no_rows_still_renders_an_empty_calendar() -> None:
    chart = render([], TODAY)
    assert chart.png.startswith(b"\x89PNG")
    x, y = chart.cell_centres[(0, 0)]
    assert pixel_hex(chart.png, x, y) == COLOURS[NOTHING]


# Machado, Oliveira & Fernandes (2009), full severity, on linear RGB.
COLOUR_BLINDNESS = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.01182, 0.04294, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.3039)),
}


def seen_as_lab(colour: str, matrix: tuple[tuple[float, float, float], ...]) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix)
    x, y, z = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_the_outcomes_stay_apart_with_the_common_colour_blindnesses_and_not_by_colour_alone() -> None:
    outcomes = (PENDING, MISSED, SKIPPED, DONE)
    for name, matrix in COLOUR_BLINDNESS.items():
        for a, b in itertools.combinations(outcomes, 2):
            la, lb = seen_as_lab(COLOURS[a], matrix), seen_as_lab(COLOURS[b], matrix)
            distance = sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5
            assert distance >= 20, (name, COLOURS[a], COLOURS[b], round(distance, 1))
    hatched = [HATCHES[state] for state in (UPCOMING, PENDING, MISSED, SKIPPED)]
    assert all(hatched) and len(set(hatched)) == len(hatched) and HATCHES[DONE] == ""  # done alone is solid
