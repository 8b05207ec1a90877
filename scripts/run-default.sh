#!/bin/sh
# run-default.sh BUILD_DIR: the main job of `make run` on the embedded default.
# Writes the built-in seeded demo network (akisim demo) into BUILD_DIR/demo, then shows its
# summary, runs its 8 inputs through the software backend (int32 outputs and dequantised
# predictions), evaluates it against the demo's random labels and prints per-layer sparsity.
# POSIX sh; stops at the first failing step with that step's exit status.
set -eu

BUILD=${1:-build}
AKISIM="$BUILD/sim/akisim"
DEMO="$BUILD/demo"

if [ ! -x "$AKISIM" ]; then
    echo "run-default.sh: $AKISIM not found; build first (make build)" >&2
    exit 1
fi

step() {
    printf '\n== %s\n' "$*"
    "$@"
}

step "$AKISIM" --version
step "$AKISIM" demo -o "$DEMO" --seed 1
step "$AKISIM" summary "$DEMO"
step "$AKISIM" run "$DEMO" --input "$DEMO/input.npy" --output "$DEMO/output.npy"
step "$AKISIM" run "$DEMO" --input "$DEMO/input.npy" --output "$DEMO/predict.npy" --predict
printf '\n(the demo network is untrained and its labels are random: chance-level accuracy)\n'
step "$AKISIM" evaluate "$DEMO" --input "$DEMO/input.npy" --labels "$DEMO/labels.npy"
step "$AKISIM" sparsity "$DEMO" --input "$DEMO/input.npy"
printf '\nOutputs: %s/output.npy (int32 potentials), %s/predict.npy (float32)\n' "$DEMO" "$DEMO"
