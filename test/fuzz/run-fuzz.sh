#!/bin/sh
# Builds one libFuzzer target with clang (fuzzer + ASan + UBSan) straight from the sources it
# needs and runs it for a bounded time on its seed corpus (test/fuzz/corpus/<name>/, copied
# to a scratch corpus in the build directory so new inputs never touch the source tree).
# Usage: run-fuzz.sh TARGET SOURCE_DIR BUILD_DIR [SECONDS]   (TARGET: npy | npz | model_json | program)
# Called by ctest (label "fuzz"); compiling here, not at configure time, keeps configure fast.
set -eu

target=$1
src=$2
build=$3
secs=${4:-20}
clang=${CLANG:-clang}
out=$build/fuzz
mkdir -p "$out"

# The model-file code and the golden model it builds into (not the mapper or encoder).
cmp_src="$src/compiler/src/cmp_array.c $src/compiler/src/cmp_npy.c $src/compiler/src/cmp_npz.c
 $src/compiler/src/cmp_fileio.c $src/compiler/src/cmp_params.c
 $src/compiler/src/cmp_modeljson.c $src/compiler/src/cmp_modelfile.c
 $src/compiler/src/cmp_program.c $src/compiler/src/cmp_program_build.c
 $src/compiler/src/cmp_program_decode.c $src/compiler/src/cmp_program_dest.c"
gen=""
if [ -d "$build/generated" ]; then gen="-I$build/generated"; fi

# shellcheck disable=SC2086
"$clang" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_POSIX_C_SOURCE=200809L \
    -I"$src/npu/include" -I"$src/npu/src" -I"$src/compiler/include" -I"$src/compiler/src" \
    -I"$src/mesh/include" $gen \
    "$src/test/fuzz/fuzz_$target.c" $cmp_src "$src"/npu/src/*.c "$src"/npu/ops/*.c \
    $(pkg-config --cflags --libs libfyaml libzip zlib) -lm -o "$out/fuzz_$target"

corpus=$out/corpus_$target
rm -rf "$corpus"
mkdir -p "$corpus"
if [ -d "$src/test/fuzz/corpus/$target" ]; then
    cp "$src/test/fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
fi

cd "$out"
exec "./fuzz_$target" -max_total_time="$secs" -runs=2000000 -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 "$corpus"
