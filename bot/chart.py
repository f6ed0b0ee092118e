"""The questions chart of `/stats` and `newsbot report`: questions per day, stacked by outcome, with
the median answer time as a line. A PNG drawn by matplotlib (imported here only when drawn).

Days are UTC calendar days. The answer time is the engine's (`latency_ms` in the question log); a
chat-only message ("hi") takes none and is left out of the median. Sized for a phone: 1200 × 840
pixels (Telegram shows photos up to 1280 wide), labels at 13 to 16 points.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from newsbot.bot.feedback import ANSWERED, CHAT, DECLINED, LoggedQuestion

DEFAULT_DAYS = 30
COLOURS = {
    ANSWERED: "#2e7d32",
    DECLINED: "#ef6c00",
    CHAT: "#9e9e9e",
}  # green, orange, grey: apart in colour-blind views too
LABELS = {ANSWERED: "answered", DECLINED: "declined (not in the articles)", CHAT: "chat only (hi, thanks)"}


@dataclass(frozen=True)
class Day:
    """One day's questions by outcome, and the median engine time of those looked up (None: none)."""

    day: date
    answered: int = 0
    declined: int = 0
    chat: int = 0
    median_ms: float | None = None

    @property
    def total(self) -> int:
        return self.answered + self.declined + self.chat


def day_of(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


def daily(rows: Iterable[LoggedQuestion], first: date, last: date) -> list[Day]:
    """One `Day` for each day from `first` to `last` (inclusive), empty days included."""
    if last < first:
        raise ValueError(f"last must not be before first, got {first} to {last}")
    counts: dict[date, dict[str, int]] = {}
    times: dict[date, list[float]] = {}
    for row in rows:
        day = day_of(row.asked_at)
        if not first <= day <= last:
            continue
        counts.setdefault(day, {}).setdefault(row.outcome, 0)
        counts[day][row.outcome] += 1
        if row.outcome != CHAT:
            times.setdefault(day, []).append(row.latency_ms)
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        found = counts.get(day, {})
        spent = times.get(day)
        days.append(
            Day(
                day,
                found.get(ANSWERED, 0),
                found.get(DECLINED, 0),
                found.get(CHAT, 0),
                statistics.median(spent) if spent else None,
            )
        )
    return days


def last_days(rows: Iterable[LoggedQuestion], days: int = DEFAULT_DAYS, today: date | None = None) -> list[Day]:
    """The last `days` days up to `today` (UTC) inclusive."""
    end = today or datetime.now(UTC).date()
    return daily(rows, end - timedelta(days=days - 1), end)


def questions_chart(days: Sequence[Day], title: str | None = None) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if not days:
        raise ValueError("the chart needs at least one day")
    figure = Figure(figsize=(8, 5.6), dpi=150, layout="constrained")
    axes = figure.add_subplot()
    x = list(range(len(days)))
    bottom = [0] * len(days)
    for outcome in (ANSWERED, DECLINED, CHAT):
        heights = [getattr(d, outcome) for d in days]
        axes.bar(x, heights, bottom=bottom, color=COLOURS[outcome], label=LABELS[outcome], width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel("Questions per day", fontsize=14)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(bottom) * 1.15, 5))
    step = max(1, len(days) // 6)
    ticks = list(range(len(days) - 1, -1, -step))[::-1]
    axes.set_xticks(ticks, [days[i].day.strftime("%d %b") for i in ticks])
    axes.set_xlabel(f"Day (UTC), {days[0].day:%d %b %Y} to {days[-1].day:%d %b %Y}", fontsize=14)
    axes.tick_params(labelsize=13)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)

    timing = axes.twinx()
    medians = [d.median_ms if d.median_ms is not None else float("nan") for d in days]
    timing.plot(x, medians, color="#1565c0", marker="o", markersize=4, linewidth=2.5, label="median answer time (ms)")
    timing.set_ylabel("Median answer time (ms)", fontsize=14, color="#1565c0")
    timing.tick_params(labelsize=13, colors="#1565c0", axis="y")
    known = [m for m in medians if m == m]
    timing.set_ylim(0, max(max(known) * 1.25 if known else 0, 10))

    handles, labels = axes.get_legend_handles_labels()
    line_handles, line_labels = timing.get_legend_handles_labels()
    # Above the plot, not in it: bars reach any height on any day.
    timing.legend(
        handles + line_handles,
        labels + line_labels,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.01),
        ncols=2,
        fontsize=12,
        frameon=False,
    )
    total = sum(d.total for d in days)
    figure.suptitle(title or f"Questions, last {len(days)} days: {total}", fontsize=16, fontweight="bold")
    if not total:
        axes.text(
            0.5,
            0.5,
            "No questions yet",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=16,
            color="#616161",
        )
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
