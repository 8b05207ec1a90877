#!/bin/sh
# run-default.sh BUILD_DIR: the main job of `make run` on the embedded default.
#
# 1. Writes the built-in seeded demo network (akisim demo) into BUILD_DIR/demo, shows its
#    summary, runs its 8 inputs through the software backend (int32 outputs and dequantised
#    predictions), evaluates it against the demo's random labels and prints per-layer sparsity.
# 2. Maps the demo onto the akd1000 preset (akisim map, akisim mesh show) and runs it on the
#    simulated device with the statistics JSON, Chrome trace and power CSV written, prints the
#    statistics as text and checks the device outputs equal the software backend's.
# 3. Builds the zoo DS-CNN keyword-spotting model (seeded synthetic weights), makes seeded
#    random inputs for it (akisim input random) and does the same on akd1000.
# 4. The main job: the default sweep (scenarios/default.yaml: four zoo models x akd1000,
#    akd1500 and three generated meshes x hw_only/hybrid x three map modes = 120 points) into
#    BUILD_DIR/default-sweep with one worker per core, then its report (akisim report: gnuplot
#    figures, index.html, summary.md) into BUILD_DIR/default-report, and a short summary.
# POSIX sh; stops at the first failing step with that step's exit status. Steps 1-3 take about
# a second, step 4 a few seconds with a Release build on 2 cores.
set -eu

BUILD=${1:-build}
AKISIM="$BUILD/sim/akisim"
DEMO="$BUILD/demo"
KWS="$BUILD/kws"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCENARIO="$ROOT/scenarios/default.yaml"
SWEEP="$BUILD/default-sweep"
REPORT="$BUILD/default-report"
JOBS=$(nproc 2>/dev/null || echo 2)

if [ ! -x "$AKISIM" ]; then
    echo "run-default.sh: $AKISIM not found; build first (make build)" >&2
    exit 1
fi

step() {
    printf '\n== %s\n' "$*"
    "$@"
}

# same_outputs A B WHAT: says whether two output files are byte-identical (fails if not).
same_outputs() {
    if cmp -s "$1" "$2"; then
        printf '%s: device outputs identical to the software backend (%s = %s)\n' "$3" "$1" "$2"
    else
        printf '%s: device outputs DIFFER from the software backend (%s, %s)\n' "$3" "$1" "$2" >&2
        exit 1
    fi
}

# hw_run DIR: runs model DIR on akd1000 writing every output file, then prints the same
# run's statistics as text (a run prints them when --stats is not given).
hw_run() {
    step "$AKISIM" run "$1" --mesh akd1000 --input "$1/input.npy" --output "$1/hw-output.npy" \
        --stats "$1/stats.json" --trace "$1/trace.json" --power "$1/power.csv"
    printf '\n(the same run without --stats prints its statistics as text)\n'
    step "$AKISIM" run "$1" --mesh akd1000 --input "$1/input.npy"
}

# --- 1. the demo on the software backend (the golden model)
step "$AKISIM" --version
step "$AKISIM" demo -o "$DEMO" --seed 1
step "$AKISIM" summary "$DEMO"
step "$AKISIM" run "$DEMO" --input "$DEMO/input.npy" --output "$DEMO/output.npy"
step "$AKISIM" run "$DEMO" --input "$DEMO/input.npy" --output "$DEMO/predict.npy" --predict
printf '\n(the demo network is untrained and its labels are random: chance-level accuracy)\n'
step "$AKISIM" evaluate "$DEMO" --input "$DEMO/input.npy" --labels "$DEMO/labels.npy"
step "$AKISIM" sparsity "$DEMO" --input "$DEMO/input.npy"

# --- 2. the demo mapped and run on the simulated AKD1000
step "$AKISIM" mesh show akd1000
step "$AKISIM" map "$DEMO" --mesh akd1000
hw_run "$DEMO"
same_outputs "$DEMO/hw-output.npy" "$DEMO/output.npy" demo

# --- 3. a zoo model: DS-CNN keyword spotting on akd1000 with seeded random inputs
step "$AKISIM" zoo ds_cnn_kws --seed 1 -o "$KWS"
step "$AKISIM" input random --model "$KWS" --n 4 --seed 1 -o "$KWS/input.npy"
step "$AKISIM" run "$KWS" --input "$KWS/input.npy" --output "$KWS/output.npy" -q
hw_run "$KWS"
same_outputs "$KWS/hw-output.npy" "$KWS/output.npy" ds_cnn_kws

# --- 4. the main job: the default sweep and its report
# A fresh sweep each time (the sweep refuses a directory that already holds points).
rm -rf "$SWEEP"
printf '\n== %s\n' "$AKISIM sweep $SCENARIO -j $JOBS --out $SWEEP"
if [ -t 1 ]; then
    "$AKISIM" sweep "$SCENARIO" -j "$JOBS" --out "$SWEEP" # progress bar on a terminal
else
    # Not a terminal: one line per point goes to a log; show its first and last lines.
    "$AKISIM" sweep "$SCENARIO" -j "$JOBS" --out "$SWEEP" >"$SWEEP.log"
    sed -n '1,2p' "$SWEEP.log"
    printf '  ... one line per point in %s ...\n' "$SWEEP.log"
    tail -n 2 "$SWEEP.log"
fi
unfit=$(grep -c ',error,.*hw_only: .*does not fit' "$SWEEP/results.csv" || true)
if [ "$unfit" -gt 0 ]; then
    printf '(%s points do not fit a hardware-only mapping on the smallest generated mesh: an\n' \
        "$unfit"
    printf ' expected result, not a fault; the hybrid points run those models in several passes)\n'
fi
# The power and NP figures show AkidaNet 0.5/160 on akd1000 (hw_only, allnps) when present.
point=$(grep -m1 '"akidanet:alpha=0.5,size=160",akd1000,[0-9]*,true,allnps,.*,ok,' \
    "$SWEEP/results.csv" | cut -d, -f1 || true)
step "$AKISIM" report "$SWEEP" -o "$REPORT" ${point:+--point "$point"}

cat <<EOF

Outputs:
  $DEMO/   model.json + model.npz, input.npy, labels.npy
    software backend: output.npy (int32 potentials), predict.npy (float32)
    on akd1000:       hw-output.npy, stats.json, trace.json, power.csv
  $KWS/    model.json + model.npz, input.npy
    software backend: output.npy
    on akd1000:       hw-output.npy, stats.json, trace.json, power.csv
  $SWEEP/   the default sweep: points/*.json (+ power CSVs), results.csv
  $REPORT/  its report: index.html (open in a browser), summary.md,
    figures *.png + *.svg (gnuplot scripts and data in gnuplot/)
Open a trace.json in https://ui.perfetto.dev; stats.json keys: docs/stats-format.md;
sweeps and reports: docs/scenarios.md, docs/reports.md.
EOF
