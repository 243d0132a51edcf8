"""A human-readable report of `ma_video@mace` results: Markdown and static HTML, per-clip rows with thumbnails.

Reads only the results dict (per_item rows carry each clip's video paths); thumbnails are small JPEGs in
`<report>/frames/`, every file written atomically. Submitter-controlled text is escaped in both formats.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmark.results import write_atomic
from models.files import atomic_write
from models.video.io import read_frames_at

THUMBNAILS_PER_CLIP = 3
THUMBNAIL_SIDE = 160
CLIP_COLUMNS = ("iq", "aq", "sc", "bc", "ms", "tf", "bas")


def thumbnail_indices(frames: int, count: int = THUMBNAILS_PER_CLIP) -> list[int]:
    """`count` frame indices spread over a clip (first, ..., last)."""
    return sorted({int(i) for i in np.linspace(0, frames - 1, count).round()})


def write_thumbnails(video: Path, frames: int, folder: Path, stem: str) -> list[str]:
    """Small JPEGs of a few frames of `video` in `folder`; their names relative to the report."""
    names = []
    for index, frame in zip(thumbnail_indices(frames), read_frames_at(video, thumbnail_indices(frames), THUMBNAIL_SIDE)):
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            raise ValueError(f"{video}: frame {index} could not be encoded as JPEG")
        name = f"frames/{stem}_{index:04d}.jpg"
        atomic_write(folder / name, lambda handle, data=data: handle.write(data.tobytes()))
        names.append(name)
    return names


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def _summary(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, 95% CI, GT reference) rows."""
    rows = []
    for name, m in results["metrics"].items():
        ci = "-" if m["ci95"] is None else f"[{m['ci95'][0]:.4g}, {m['ci95'][1]:.4g}]"
        gt = results["reference"].get(name)
        rows.append((name, _cell(m["value"]), ci, _cell(gt["value"]) if gt else "-"))
    return rows


def _markdown_text(text: str) -> str:
    return html.escape(text).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def render_markdown(results: dict[str, Any], thumbnails: dict[str, list[str]]) -> str:
    """The report as Markdown: labels, summary table, per-clip table with thumbnail images."""
    lines = [f"# {results['protocol']['id']}: {_markdown_text(results['method']['name'])}", ""]
    lines += [f"**{_markdown_text(w)}**" + "  " for w in results.get("warnings", [])] + [""]
    lines += ["| metric | value | 95% CI | GT reference |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in _summary(results)] + [""]
    lines += ["| clip | " + " | ".join(CLIP_COLUMNS) + " | frames |", "|---" * (len(CLIP_COLUMNS) + 2) + "|"]
    for item in results["per_item"]:
        images = " ".join(f"![{item['id']}]({name})" for name in thumbnails[item["id"]])
        cells = " | ".join(_cell(item.get(c)) for c in CLIP_COLUMNS)
        lines.append(f"| {_markdown_text(item['id'])} | {cells} | {images} |")
    return "\n".join(lines) + "\n"


def _video_cell(item: dict[str, Any], folder: Path | None) -> str:
    """A playable <video> of the clip (path relative to the report folder), or nothing without a folder."""
    if folder is None or not item.get("video"):
        return ""
    src = html.escape(Path(os.path.relpath(Path(item["video"]).resolve(), Path(folder).resolve())).as_posix())
    return f'<video src="{src}" controls preload="metadata" height="240"></video>'


def render_html(results: dict[str, Any], thumbnails: dict[str, list[str]], folder: Path | None = None) -> str:
    """The report as one static HTML page (no scripts), the same content as the Markdown plus playable videos."""
    esc = html.escape
    summary = "".join(f"<tr>{''.join(f'<td>{esc(c)}</td>' for c in row)}</tr>" for row in _summary(results))
    clips = []
    for item in results["per_item"]:
        cells = "".join(f"<td>{esc(_cell(item.get(c)))}</td>" for c in CLIP_COLUMNS)
        images = "".join(f'<img src="{esc(name)}" alt="{esc(item["id"])}" height="90">' for name in thumbnails[item["id"]])
        clips.append(f"<tr><td>{esc(item['id'])}</td>{cells}<td>{images}</td><td>{_video_cell(item, folder)}</td></tr>")
    warnings = "".join(f"<p><strong>{esc(w)}</strong></p>" for w in results.get("warnings", []))
    head = "".join(f"<th>{esc(c)}</th>" for c in CLIP_COLUMNS)
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'\">"
        f"<title>{esc(results['protocol']['id'])}</title><style>td,th{{padding:2px 6px;border:1px solid #ccc}}"
        "table{border-collapse:collapse}</style></head><body>"
        f"<h1>{esc(results['protocol']['id'])}: {esc(results['method']['name'])}</h1>{warnings}"
        f"<table><tr><th>metric</th><th>value</th><th>95% CI</th><th>GT reference</th></tr>{summary}</table>"
        f"<h2>Clips</h2><table><tr><th>clip</th>{head}<th>frames</th><th>video</th></tr>{''.join(clips)}</table></body></html>\n"
    )


def write_report(results: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """Write report.md, report.html and frames/*.jpg (thumbnails of each generated clip) into `folder`."""
    folder = Path(folder)
    thumbnails = {item["id"]: write_thumbnails(Path(item["video"]), item["frames"], folder, item["id"])
                  for item in results["per_item"]}
    markdown, page = folder / "report.md", folder / "report.html"
    write_atomic(markdown, render_markdown(results, thumbnails))
    write_atomic(page, render_html(results, thumbnails, folder))
    return markdown, page
