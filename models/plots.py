"""Headless figures the models write themselves: the training-loss curve beside a run's `log.jsonl`, and the
one atomic PNG writer every report uses (matplotlib Agg, written via models.files.atomic_path)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from models.files import atomic_path  # noqa: E402

LOSS_PLOT = "loss.png"


def save_figure(fig: plt.Figure, out: Path) -> Path:
    """Write the figure as PNG atomically and close it."""
    try:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    finally:
        plt.close(fig)
    return Path(out)


def read_losses(jsonl: Path) -> tuple[list[float], list[float]]:
    """Steps and losses from a JSON-lines log ({"step": .., "loss": ..} per line); ValueError names the line."""
    steps, losses = [], []
    for number, line in enumerate(Path(jsonl).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            steps.append(float(row["step"]))
            losses.append(float(row["loss"]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise ValueError(f"{jsonl}:{number}: expected a JSON object with numeric 'step' and 'loss'") from None
    if not steps:
        raise ValueError(f"{jsonl}: no loss records")
    return steps, losses


def plot_losses(jsonl: Path, out: Path) -> Path:
    """Training loss against step (log scale when every loss is positive) from a JSON-lines log."""
    steps, losses = read_losses(jsonl)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(steps, losses, lw=1)
    if min(losses) > 0:
        ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="loss", title=Path(jsonl).name)
    fig.tight_layout()
    return save_figure(fig, Path(out))


def write_loss_plot(log_file: Path) -> Path | None:
    """A training run's loss curve beside its log (`loss.png`); None when nothing was logged yet."""
    if not log_file.is_file() or not log_file.read_text().strip():
        return None
    return plot_losses(log_file, log_file.parent / LOSS_PLOT)
