#!/usr/bin/env bash
# `npm run fuzz -- [js-calls] [native-seconds]` (defaults 1000000 and 300): the addon under
# ASan (gcc's runtime, build-asan/) driven by scripts/fuzz/js-fuzz.mjs, then the libFuzzer
# harness over the size checks and core entry points (scripts/fuzz/native.sh, needs clang).
# Exit 1 if either found a crash.
set -uo pipefail
cd "$(dirname "$0")/../.."
calls="${1:-1000000}"
seconds="${2:-300}"
status=0

echo "== addon with AddressSanitizer + UBSan (build-asan/) =="
NTP_CUDA=OFF npx cmake-js compile --out build-asan -T ntp_native --CDNTP_SANITIZE=address,undefined \
  >/tmp/ntp-fuzz-asan-build.log 2>&1 \
  || { echo "ASan build failed (see /tmp/ntp-fuzz-asan-build.log)"; exit 1; }
# Node itself is not instrumented: the ASan runtime is preloaded, leak checks (Node's own) off.
# UBSan reports without halting: its vptr check misfires on the shared_ptr control blocks Node
# creates (no RTTI in Node's binary); js-fuzz.mjs fails a batch on any other UBSan report.
LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=0:print_stacktrace=0 NTP_ADDON_PATH="$PWD/build-asan/Release/ntp_native.node" \
  node scripts/fuzz/js-fuzz.mjs --calls "$calls" || status=1

echo "== libFuzzer harness (native/fuzz/) =="
scripts/fuzz/native.sh "$seconds"
case $? in
  0) ;;
  3) echo "native fuzz: not run (no clang++)" ;;
  *) status=1 ;;
esac
exit "$status"
