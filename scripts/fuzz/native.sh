#!/usr/bin/env bash
# Builds native/fuzz/entry_points_fuzz.cpp with libFuzzer + ASan + UBSan (clang) into
# build-fuzz/ and runs it: `scripts/fuzz/native.sh [seconds] [libFuzzer flags...]` (default 60 s).
# Exit 0: no crash; libFuzzer's own exit code and report otherwise. Exit 3 when clang (with its
# libFuzzer runtime) is missing: `apt-get install clang`.
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
mkdir -p "$out/corpus"
bin="$out/entry_points_fuzz"
sources=(native/fuzz/entry_points_fuzz.cpp native/core/*.cpp native/cuda/device_info.cpp)
# Rebuild when a source or header is newer than the binary.
if [ ! -x "$bin" ] || [ -n "$(find native/core native/cuda native/binding native/fuzz -newer "$bin" -name '*.[ch]*' | head -n 1)" ]; then
  echo "native fuzz: building $bin" >&2
  "$cxx" -std=c++17 -O1 -g -fno-omit-frame-pointer -fopenmp-simd -pthread \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "${sources[@]}" -o "$bin"
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export NTP_THREADS="${NTP_THREADS:-2}"
"$bin" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=512 -print_final_stats=1 "$@" "$out/corpus"
