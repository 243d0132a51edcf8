"""Published MACE-Dance paper numbers, shown as entries marked "reported, not reproduced".

Transcribed from the paper's Tables 1-3 (see /work/shared/specs/paper_tables.md): Table 1 goes to
`ma_video@mace`, Table 2 to `finedance3d@lodge`, Table 3 to `animation@v1`. VBench columns of
Table 1 (iq..tf) stay on the percent scale printed in the paper. "-" in the paper is None here.
Tables 4-6 (component and representation ablations) and the Table 2 architecture ablations are
not seeded: they repeat Table 1/2 rows or report partial columns.
"""

from __future__ import annotations

from leaderboard.entry import Entry, MetricValue, slug

PAPER = "MACE-Dance paper"
_ = None

# (protocol id, table, columns, rows of (method, values...)); "fps" is shown, not ranked.
_TABLES: tuple[tuple[str, str, tuple[str, ...], tuple[tuple, ...]], ...] = (
    (
        "ma_video@mace",
        "Table 1",
        ("iq", "aq", "sc", "bc", "ms", "tf", "fid_k", "fid_g", "div_k", "div_g", "bas"),
        (
            ("Ground Truth", 67.12, 53.51, 91.86, 92.97, 98.20, 96.88, _, _, 9.24, 5.31, 0.526),
            ("Hallo2", 62.64, 50.79, 92.48, 93.84, 98.30, 96.56, 16.55, 1.29, 8.11, 5.47, 0.505),
            ("WAN-S2V", 64.10, 50.20, 92.30, 93.40, 98.20, 96.70, 18.90, 1.45, 7.60, 5.44, 0.485),
            ("Echomimic-V3", 63.20, 49.00, 91.90, 93.10, 98.05, 96.40, 19.60, 1.32, 7.20, 4.60, 0.460),
            ("EDGE", 63.05, 49.70, 91.79, 93.30, 98.64, 97.10, 21.77, 1.39, 9.08, 5.74, 0.498),
            ("Lodge", 63.69, 49.22, 91.67, 92.98, 98.46, 97.05, 18.73, 1.49, 8.87, 5.71, 0.474),
            ("MEGA", 66.14, 49.89, 92.95, 94.13, 97.45, 96.32, 18.98, 1.65, 8.78, 5.59, 0.513),
            ("MACE-Dance", 65.35, 51.79, 93.97, 94.57, 98.46, 97.10, 16.46, 0.28, 9.74, 6.34, 0.523),
        ),
    ),
    (
        "finedance3d@lodge",
        "Table 2",
        ("fid_k", "fid_g", "fsr", "div_k", "div_g", "bas", "fps"),
        (
            ("Ground Truth", _, _, 0.216, 9.94, 7.54, 0.201, _),
            ("FACT", 113.38, 97.05, 0.284, 3.36, 6.37, 0.183, 29),
            ("MNET", 104.71, 90.31, 0.394, 3.12, 6.14, 0.186, 26),
            ("Bailando", 82.81, 28.17, 0.188, 7.74, 6.25, 0.202, 188),
            ("EDGE", 94.34, 50.38, 0.200, 8.13, 6.45, 0.212, 119),
            ("Lodge", 50.00, 35.52, 0.028, 5.67, 4.96, 0.226, 224),
            ("MEGA", 50.00, 13.02, 0.243, 6.23, 6.27, 0.226, 238),
            ("Motion Expert (full)", 17.83, 25.09, 0.210, 10.30, 8.09, 0.229, 770),
        ),
    ),
    (
        "animation@v1",
        "Table 3",
        ("fvd", "ssim", "lpips", "psnr"),
        (
            ("Animate-Anyone", 515.26, 0.648, 0.091, 19.65),
            ("Magic-Animate", 1032.06, 0.311, 0.207, 14.00),
            ("Wan-Animate", 332.82, 0.707, 0.078, 21.11),
            ("w/o kinematic stage", 328.91, 0.596, 0.107, 18.69),
            ("w/o aesthetic stage", 445.93, 0.563, 0.121, 17.89),
            ("Appearance Expert", 274.94, 0.739, 0.066, 22.40),
        ),
    ),
)

_NOTES = {
    "w/o kinematic stage": "ablation of the Appearance Expert",
    "w/o aesthetic stage": "ablation of the Appearance Expert",
}
_EXTRA_COLUMNS = frozenset({"fps"})


def published_entries() -> list[Entry]:
    """Every seeded paper row as an Entry (status 'reported'; ground truth rows as references)."""
    entries = []
    for protocol_id, table, columns, rows in _TABLES:
        for method, *values in rows:
            cells = dict(zip(columns, values, strict=True))
            notes = ["reported, not reproduced"] + ([_NOTES[method]] if method in _NOTES else [])
            if protocol_id == "ma_video@mace":
                notes.append("VBench columns on the percent scale as printed")
            entries.append(
                Entry(
                    id=f"paper--{slug(protocol_id)}--{slug(method)}",
                    protocol_id=protocol_id,
                    name=method,
                    status="reported",
                    metrics={k: MetricValue(v) for k, v in cells.items() if k not in _EXTRA_COLUMNS},
                    role="reference" if method == "Ground Truth" else "method",
                    extras={k: v for k, v in cells.items() if k in _EXTRA_COLUMNS},
                    source=f"{PAPER}, {table}",
                    notes=tuple(notes),
                )
            )
    return entries
