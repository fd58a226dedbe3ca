"""The progress heat-map: one row per regimen item, one column per day, the last 8 weeks.

Rendered with matplotlib's Agg backend (no display needed) into PNG bytes the adapters send as a photo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # headless: must be chosen before pyplot is imported

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

NOTHING, UPCOMING, PENDING, MISSED, SKIPPED, DONE = range(6)
COLOURS = ("#eeeeee", "#90caf9", "#b39ddb", "#d32f2f", "#f9a825", "#2e7d32")
LABELS = ("not scheduled", "upcoming", "waiting for an answer", "missed", "skipped (left out)", "done")
# When a day holds several occurrences, the cell shows the best outcome of the day.
_RANK = {NOTHING: 0, UPCOMING: 1, PENDING: 2, MISSED: 3, SKIPPED: 4, DONE: 5}


@dataclass(frozen=True, slots=True)
class ChartRow:
    label: str
    days: dict[date, int]  # day -> one of NOTHING..DONE


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    width: int
    height: int
    cell_centres: dict[tuple[int, int], tuple[int, int]]  # (row, column) -> pixel (x, y) from the top left


def merge(current: int, new: int) -> int:
    return new if _RANK[new] > _RANK[current] else current


def render(rows: list[ChartRow], first_day: date, days: int = 56, title: str = "Your last 8 weeks") -> Chart:
    grid = [[row.days.get(first_day + timedelta(d), NOTHING) for d in range(days)] for row in rows] or [
        [NOTHING] * days
    ]
    labels = [row.label if len(row.label) <= 28 else row.label[:27] + "…" for row in rows] or ["(no reminders yet)"]
    height_in = 1.6 + 0.55 * len(grid)
    fig, ax = plt.subplots(figsize=(9, height_in), dpi=100)
    try:
        ax.imshow(grid, cmap=ListedColormap(COLOURS), vmin=0, vmax=len(COLOURS) - 1, aspect="auto")
        ax.set_yticks(range(len(labels)), labels=labels, fontsize=11)
        mondays = [d for d in range(days) if (first_day + timedelta(d)).weekday() == 0]
        ax.set_xticks(mondays, labels=[(first_day + timedelta(d)).strftime("%d %b") for d in mondays], fontsize=10)
        ax.set_xticks([d - 0.5 for d in range(days + 1)], minor=True)
        ax.set_yticks([r - 0.5 for r in range(len(grid) + 1)], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        ax.set_title(title, fontsize=13)
        ax.legend(
            handles=[Patch(color=c, label=label) for c, label in zip(COLOURS[1:], LABELS[1:], strict=True)],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.18 if len(grid) < 3 else -0.08),
            ncol=5,
            frameon=False,
            fontsize=10,
        )
        fig.tight_layout()
        fig.canvas.draw()
        width, height = fig.canvas.get_width_height()
        centres: dict[tuple[int, int], tuple[int, int]] = {}
        for r in range(len(grid)):
            for c in range(days):
                x, y = ax.transData.transform((c, r))
                centres[(r, c)] = (round(x), round(height - y))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
    finally:
        plt.close(fig)
    return Chart(png=buffer.getvalue(), width=width, height=height, cell_centres=centres)
