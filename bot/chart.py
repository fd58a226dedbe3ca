"""The progress chart: one row per regimen item, one column per day, the last 8 weeks up to today.

Each day's cell shows every occurrence of that day, side by side in time order (two a day are two slices, not
one colour drawn over the other). The colours are the Okabe-Ito palette, readable with the common colour
blindnesses, and every state but Done also has its own hatching, so colour is never the only cue. Today's
column is outlined and labelled "today"; there are no future columns (what is still ahead today is
"later today").

Rendered with matplotlib's Agg backend (no display needed) into PNG bytes the adapters send as a photo.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # headless: must be chosen before pyplot is imported

import matplotlib.pyplot as plt
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path

NOTHING, UPCOMING, PENDING, MISSED, SKIPPED, DONE = range(6)
# Okabe-Ito: blue (done), yellow (skipped), vermillion (missed), sky blue (pending); greys for the rest.
COLOURS = ("#eeeeee", "#ffffff", "#56b4e9", "#d55e00", "#f0e442", "#0072b2")
HATCHES = ("", "...", "..", "xx", "///", "")
HATCH_COLOURS = ("#eeeeee", "#7a7a7a", "#1f4e6e", "#3b1500", "#6b6400", "#0072b2")
LABELS = (
    "not scheduled",
    "later today",
    "waiting for an answer",
    "missed",
    "skipped (left out)",
    "done",
)
LEGEND_ORDER = (DONE, SKIPPED, MISSED, PENDING, UPCOMING, NOTHING)
MAX_SLICES = 6  # more occurrences in a day than this are drawn as one bar per state, as wide as its share
WEEKS = 8


@dataclass(frozen=True, slots=True)
class ChartRow:
    label: str
    days: Mapping[date, tuple[int, ...]]  # day -> the states of that day's occurrences, in time order
    summary: str = ""  # written at the row's right end (the adherence the text gives)
    deleted: bool = False  # a reminder deleted since: its past stays, its label says so


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    width: int
    height: int
    title: str
    first_day: date
    today_column: int
    x_labels: dict[int, str]  # column -> the label under it
    cell_boxes: dict[tuple[int, int], tuple[int, int, int, int]]  # (row, column) -> pixel (left, top, right, bottom)

    @property
    def cell_centres(self) -> dict[tuple[int, int], tuple[int, int]]:
        return {key: ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2) for key, box in self.cell_boxes.items()}

    def column_of(self, day: date) -> int:
        return (day - self.first_day).days


def slices(states: tuple[int, ...]) -> list[tuple[float, float, int]]:
    """(start, width, state) of a day's slices, as fractions of the cell: one per occurrence in time order, or, for
    a crowded day, one per state as wide as its share."""
    if not states:
        return [(0.0, 1.0, NOTHING)]
    if len(states) <= MAX_SLICES:
        width = 1 / len(states)
        return [(i * width, width, state) for i, state in enumerate(states)]
    counts = Counter(states)
    parts, start = [], 0.0
    for state in LEGEND_ORDER:
        if counts[state]:
            width = counts[state] / len(states)
            parts.append((start, width, state))
            start += width
    return parts


def title_for(first_day: date, today: date, weeks: int = WEEKS) -> str:
    return (
        f"Your last {weeks} weeks: {first_day:%a} {first_day.day} {first_day:%b} "
        f"to today, {today:%a} {today.day} {today:%b %Y}"
    )


def render(rows: list[ChartRow], today: date, weeks: int = WEEKS) -> Chart:
    days = 7 * weeks
    first_day = today - timedelta(days=days - 1)
    shown = rows or [ChartRow("(no reminders yet)", {})]
    labels = [row.label if len(row.label) <= 30 else row.label[:29] + "…" for row in shown]
    title = title_for(first_day, today, weeks)
    today_column = days - 1
    x_labels = {}  # the Mondays, but none that would crowd "today"
    for d in range(today_column - 3):
        day = first_day + timedelta(d)
        if day.weekday() == 0:
            x_labels[d] = f"{day.day} {day:%b}"
    x_labels[today_column] = "today"

    pad_x, pad_y, gap = 0.07, 0.1, 0.08  # in cells: the white lines between days, rows and slices
    # Each state's slices are one compound path: drawn (and hatched) at once, fast even for 50 busy rows.
    corners: dict[int, list[tuple[float, float]]] = {state: [] for state in range(len(COLOURS))}
    for r, row in enumerate(shown):
        for d in range(days):
            left, inner = d - 0.5 + pad_x, 1 - 2 * pad_x
            for start, width, state in slices(row.days.get(first_day + timedelta(d), ())):
                x0 = left + start * inner + (gap / 2 if start > 0 else 0)
                x1 = left + (start + width) * inner - (gap / 2 if start + width < 0.999 else 0)
                y0, y1 = r - 0.5 + pad_y, r + 0.5 - pad_y
                corners[state].extend([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])

    height_in = 2.0 + 0.55 * len(shown)
    fig, ax = plt.subplots(figsize=(10, height_in), dpi=110)
    try:
        for state, points in corners.items():
            if points:
                codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY] * (len(points) // 5)
                ax.add_patch(
                    PathPatch(
                        Path(points, codes),
                        facecolor=COLOURS[state],
                        edgecolor=HATCH_COLOURS[state] if state == UPCOMING else "none",
                        hatchcolor=HATCH_COLOURS[state],
                        hatch=HATCHES[state] or None,
                        linewidth=0.8 if state == UPCOMING else 0,
                    )
                )
        ax.set_xlim(-0.5, days - 0.5)
        ax.set_ylim(len(shown) - 0.5, -0.5)  # the first row at the top
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_yticks(range(len(labels)), labels=labels, fontsize=11)
        for tick, row in zip(ax.get_yticklabels(), shown, strict=True):
            if row.deleted:
                tick.set_color("#666666")
                tick.set_fontstyle("italic")
        ax.set_xticks(sorted(x_labels), labels=[x_labels[d] for d in sorted(x_labels)], fontsize=10)
        ax.get_xticklabels()[-1].set_fontweight("bold")
        ax.tick_params(length=0)
        if any(row.summary for row in shown):
            right = ax.twinx()
            right.set_ylim(ax.get_ylim())
            right.set_yticks(range(len(shown)), labels=[row.summary for row in shown], fontsize=10)
            right.tick_params(length=0)
            for side in ("top", "right", "left", "bottom"):
                right.spines[side].set_visible(False)
        ax.add_patch(
            Rectangle(
                (today_column - 0.5, -0.5), 1, len(shown), fill=False, edgecolor="#000000", linewidth=2, clip_on=False
            )
        )
        ax.set_title(title, fontsize=13)
        ax.legend(
            handles=[
                Patch(
                    facecolor=COLOURS[s],
                    edgecolor="#7a7a7a" if s in (UPCOMING, NOTHING) else "none",
                    hatchcolor=HATCH_COLOURS[s],
                    hatch=HATCHES[s] or None,
                    label=LABELS[s],
                )
                for s in LEGEND_ORDER
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.06 - 0.35 / len(shown)),
            ncol=3,
            frameon=False,
            fontsize=10,
        )
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)  # the one full draw: the transforms below are its layout
        width, height = fig.canvas.get_width_height()
        boxes_px: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for r in range(len(shown)):
            for c in range(days):
                x0, y0 = ax.transData.transform((c - 0.5 + pad_x, r - 0.5 + pad_y))
                x1, y1 = ax.transData.transform((c + 0.5 - pad_x, r + 0.5 - pad_y))
                boxes_px[(r, c)] = (round(x0), round(height - y0), round(x1), round(height - y1))
    finally:
        plt.close(fig)
    return Chart(
        png=buffer.getvalue(),
        width=width,
        height=height,
        title=title,
        first_day=first_day,
        today_column=today_column,
        x_labels=x_labels,
        cell_boxes=boxes_px,
    )
