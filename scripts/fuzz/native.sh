#!/usr/bin/env bash
# Builds native/fuzz/entry_points_fuzz.cpp with libFuzzer + ASan + UBSan (clang) into
# build-fuzz/ and runs it: `scripts/fuzz/native.sh [seconds] [libFuzzer flags...]` (default 60 s).
# Exit 0: no crash; libFuzzer's exit code and report otherwise; 3 when clang++ is missing
# (`apt-get install clang`).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
cxx="${CXX_FUZZ:-$(command -v clang++ || true)}"
if [ -z "$cxx" ]; then
  echo "native fuzz: not run (no clang++; apt-get install clang)" >&2
  exit 3
fi
out=build-fuzz
mkdir -p "$out/obj" "$out/corpus"
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fopenmp-simd -Wno-pass-failed -pthread -fsanitize=address,undefined -fno-sanitize-recover=undefined)
# Objects compiled in parallel, each rebuilt when its source or any header it may use is newer.
newest_header=$(ls -t native/core/*.h native/core/*/*.h native/cuda/*.h native/binding/sizes.h native/binding/mat_mul_plan.h | head -n 1)
sources=(native/fuzz/entry_points_fuzz.cpp native/core/*.cpp native/core/*/*.cpp native/cuda/device_info.cpp)
pids=()
objs=()
for src in "${sources[@]}"; do
  obj="$out/obj/$(echo "$src" | tr / _).o"
  objs+=("$obj")
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do sleep 0.2; done
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
bin="$out/entry_points_fuzz"
# Only the objects of today's sources: a file moved or removed leaves its old object behind.
"$cxx" "${flags[@]}" -fsanitize=fuzzer "${objs[@]}" -o "$bin"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export NTP_THREADS="${NTP_THREADS:-2}"
"$bin" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=512 -print_final_stats=1 -artifact_prefix="$out/" "$@" "$out/corpus"
