#!/usr/bin/env bash
# One-call GPU check (no Node.js needed): builds the core, the CUDA twins and the C++ tests for
# this machine's GPU, runs every C++ test (each CUDA kernel against its CPU twin), then the GPU
# benchmarks, printing one table. Run from the repository root on a CUDA machine:
#   bash bench/gpu/run.sh            # results also go to $OUT/gpu-results.txt when OUT is set
set -uo pipefail
# A CUDA test that finds no GPU fails instead of skipping: this script is green only when the GPU ran.
export NTP_REQUIRE_CUDA=1
export PATH="$PATH:/usr/local/cuda/bin"
B=${NTP_GPU_BUILD:-/tmp/ntp-gpu-build}
LOG=${OUT:-/tmp}/gpu-results.txt
exec > >(tee "$LOG") 2>&1
echo "== machine ($(date -u +%Y-%m-%dT%H:%MZ))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "no nvidia-smi"
nvcc --version | tail -1; cmake --version | head -1; nproc
echo "== build (CUDA arch ${NTP_CUDA_ARCH:-native})"
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DNTP_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${NTP_CUDA_ARCH:-native}" > "$B.configure.log" 2>&1 \
  || { tail -40 "$B.configure.log"; exit 1; }
grep "ntp: CUDA kernels" "$B.configure.log"
cmake --build "$B" -j "$(nproc)" > "$B.build.log" 2>&1 || { grep -E "error|Error" "$B.build.log" | head -40; exit 1; }
echo "== C++ tests (CUDA twins vs CPU)"
ctest --test-dir "$B" --output-on-failure -V 2>&1 | grep -E "^[0-9]+: (ok|FAIL|  )|tests passed|tests failed|cases"
status=${PIPESTATUS[0]}
echo "== GPU benchmarks"
for src in bench/gpu/*.cpp; do
  name=$(basename "$src" .cpp)
  cmake --build "$B" --target "$name" -j "$(nproc)" >> "$B.build.log" 2>&1 || { grep -E "error" "$B.build.log" | tail -20; status=1; continue; }
  "$B/$name" || status=1
done
exit "$status"
