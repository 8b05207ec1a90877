#!/bin/sh
# readme-figures.sh [BUILD]: refreshes docs/img/ — the report figures the README shows and a
# headless-Chromium screenshot of index.html — from the report that `make run` wrote into
# BUILD/default-report. Run it after `make run` whenever the models, the calibration or the
# report change, and commit docs/img/ with the change. POSIX sh; needs chromium.
set -eu

BUILD=${1:-build}
REPORT="$BUILD/default-report"
IMG=docs/img
FIGURES="latency_mesh energy_mesh hw_hybrid map_modes power np_util pareto"

if [ ! -f "$REPORT/index.html" ]; then
    echo "readme-figures.sh: $REPORT/index.html not found; run 'make run BUILD=$BUILD' first" >&2
    exit 1
fi
mkdir -p "$IMG"
for f in $FIGURES; do
    cp "$REPORT/$f.png" "$IMG/$f.png"
done
chromium --headless --no-sandbox --hide-scrollbars --window-size=1280,1000 \
    --screenshot="$PWD/$IMG/report-index.png" "file://$(cd "$REPORT" && pwd)/index.html" \
    2>/dev/null
echo "updated $IMG: $FIGURES report-index"
