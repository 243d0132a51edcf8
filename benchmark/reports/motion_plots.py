"""Pictures beside a results JSON: beat alignment per item and metric bars against the GT (training runs plot
their loss curve themselves: models/plots.py).

People look before they read: a BAS of 0.2 says little, a plot of the music's beats against the
dance's velocity minima shows at once whether they line up. Headless (Agg), written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from models.plots import save_figure  # noqa: E402

MAX_BEAT_PLOTS = 12  # a report, not an archive: the first items only


def plot_beats(item_id: str, music: list[int], motion: list[int], fps: float, out: Path) -> Path:
    """Music beats (lines) and kinematic beats (dots) of one item over time, as the BAS sees them."""
    fig, ax = plt.subplots(figsize=(8, 2.2))
    ax.vlines([b / fps for b in music], 0.55, 1.0, color="tab:blue", label="music beats")
    ax.plot([b / fps for b in motion], [0.3] * len(motion), "o", color="tab:red", ms=4, label="kinematic beats")
    ax.set(ylim=(0, 1.1), yticks=[], xlabel="time (s)", title=f"{item_id}: music vs kinematic beats")
    ax.legend(loc="upper right", fontsize=7, ncol=2)
    fig.tight_layout()
    return save_figure(fig, out)


def plot_metric_bars(results: dict[str, Any], out: Path) -> Path | None:
    """One panel per metric: the method's value and the GT reference's, each with its 95% CI."""
    names = [n for n, m in results.get("metrics", {}).items() if m.get("value") is not None]
    if not names:
        return None
    reference = results.get("reference", {})
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        bars = [("method", results["metrics"][name], "tab:orange")]
        if reference.get(name, {}).get("value") is not None:
            bars.append(("GT", reference[name], "tab:gray"))
        for k, (label, entry, color) in enumerate(bars):
            value, ci = entry["value"], entry.get("ci95")
            err = [[max(0.0, value - ci[0])], [max(0.0, ci[1] - value)]] if ci else None  # round-off: a ulp outside
            ax.bar(k, value, color=color, yerr=err, capsize=4)
        ax.set_xticks(range(len(bars)), [b[0] for b in bars])
        ax.set_title(name, fontsize=9)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(results.get("protocol", {}).get("id", ""), fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out)


def write_motion_report(results: dict[str, Any], out_dir: Path, max_items: int = MAX_BEAT_PLOTS) -> list[Path]:
    """Write metrics.png and beats_<id>.png (items whose results carry their beats) into out_dir."""
    out_dir = Path(out_dir)
    written = [p for p in [plot_metric_bars(results, out_dir / "metrics.png")] if p is not None]
    fps = results.get("protocol", {}).get("fps")
    items = [i for i in results.get("per_item", []) if isinstance(i.get("beats"), dict)]
    for item in items[:max_items] if fps else []:
        beats = item["beats"]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(item["id"]))
        written.append(plot_beats(str(item["id"]), beats["music"], beats["motion"], fps, out_dir / f"beats_{safe}.png"))
    return written
