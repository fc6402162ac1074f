#!/usr/bin/env bash
# One-call GPU check: builds the core, the CUDA twins and the C++ tests for this machine's GPU,
# runs every C++ test (each CUDA kernel against its CPU twin, the ntp backend's tensor kernels
# included), then the GPU benchmarks, printing one table. With Node.js and node_modules (here, or
# carried: `bash bench/gpu/pack.sh` packs both into .devcarry/node-pack.tar.xz, which this script
# unpacks; a device machine has no Node), it also builds the addon for the GPU and runs
# node-stages.sh there: the ntp backend's TypeScript tests on the GPU, a 3-epoch training on
# --device cuda against the same run on the CPU, and the GPU training/inference benchmark.
# Run from the repository root on a CUDA machine:
#   bash bench/gpu/run.sh            # results also go to $OUT/gpu-results.txt when OUT is set
#   bash bench/gpu/run.sh native     # the build, C++ tests and C++ benchmarks only
#   bash bench/gpu/run.sh node       # the build (incremental when $B is there) and the Node stages only
# (the two halves fit a device call's time limit each where the whole might not).
set -uo pipefail
STAGES=${1:-all}
case "$STAGES" in all | native | node) ;; *) echo "usage: bash bench/gpu/run.sh [all|native|node]"; exit 2 ;; esac
status=0
# A CUDA test that finds no GPU fails instead of skipping: this script is green only when the GPU ran.
export NTP_REQUIRE_CUDA=1
export PATH="$PATH:/usr/local/cuda/bin"
B=${NTP_GPU_BUILD:-/tmp/ntp-gpu-build}
LOG=${OUT:-/tmp}/gpu-results.txt
exec > >(tee "$LOG") 2>&1
echo "== machine ($(date -u +%Y-%m-%dT%H:%MZ))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "no nvidia-smi"
nvcc --version | tail -1; cmake --version | head -1; nproc
if [ -f .devcarry/node-pack.tar.xz ] && [ ! -x .devcarry/pack/node/bin/node ]; then
  # python3's lzma where the image has no xz binary for tar -J.
  tar -xJf .devcarry/node-pack.tar.xz -C .devcarry 2> /dev/null \
    || python3 -c "import tarfile; tarfile.open('.devcarry/node-pack.tar.xz').extractall('.devcarry')" \
    || echo "the carried Node pack did not unpack"
fi
[ ! -d node_modules ] && [ -d .devcarry/pack/node_modules ] && mv .devcarry/pack/node_modules node_modules
# The carried node first: the pack's node_modules were traced under it, and it brings its headers.
NODE=${NTP_NODE:-}
[ -z "$NODE" ] && [ -x .devcarry/pack/node/bin/node ] && NODE=.devcarry/pack/node/bin/node
[ -z "$NODE" ] && NODE=$(command -v node || true)
[ -n "$NODE" ] && NODE=$(cd "$(dirname "$NODE")" && pwd)/$(basename "$NODE") && export PATH="$(dirname "$NODE"):$PATH"
# The addon target too when Node's headers (V8's included: the binding holds BackingStores) and
# node_modules are at hand (CMakeLists.txt builds it under cmake-js's variables).
ADDON_FLAGS=()
INC=${NODE:+$(dirname "$(dirname "$NODE")")/include/node}
if [ -n "$NODE" ] && [ -f "$INC/v8.h" ] && [ -d node_modules/node-addon-api ]; then
  ADDON_FLAGS=(-DCMAKE_JS_VERSION=bench-gpu "-DCMAKE_JS_INC=$INC" -DCMAKE_JS_SRC= -DCMAKE_JS_LIB=)
fi
echo "== build (CUDA arch ${NTP_CUDA_ARCH:-native})"
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DNTP_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${NTP_CUDA_ARCH:-native}" "${ADDON_FLAGS[@]}" > "$B.configure.log" 2>&1 \
  || { tail -40 "$B.configure.log"; exit 1; }
grep "ntp: CUDA kernels" "$B.configure.log"
cmake --build "$B" -j "$(nproc)" > "$B.build.log" 2>&1 || { grep -E "error|Error" "$B.build.log" | head -40; exit 1; }
if [ "$STAGES" != node ]; then
  echo "== C++ tests (CUDA twins vs CPU)"
  ctest --test-dir "$B" --output-on-failure -V 2>&1 | grep -E "^[0-9]+: (ok|FAIL|  )|tests passed|tests failed|cases|stack frame"
  status=${PIPESTATUS[0]}
  echo "== GPU benchmarks"
  for src in bench/gpu/*.cpp; do
    name=$(basename "$src" .cpp)
    cmake --build "$B" --target "$name" -j "$(nproc)" >> "$B.build.log" 2>&1 || { grep -E "error" "$B.build.log" | tail -20; status=1; continue; }
    "$B/$name" || status=1
  done
  [ "$STAGES" = native ] && exit "$status"
fi
echo "== ntp backend on the GPU (TypeScript)"
if [ ${#ADDON_FLAGS[@]} -eq 0 ] || [ ! -f "$B/ntp_native.node" ]; then
  echo "FAIL: no Node.js and node_modules here (carry .devcarry from bench/gpu/pack.sh): the ntp backend did not run on the GPU"
  status=1
else
  export NTP_ADDON_PATH="$B/ntp_native.node"
  # shellcheck source=bench/gpu/node-stages.sh
  source bench/gpu/node-stages.sh
  "$NODE" -e "const d=require(process.env.NTP_ADDON_PATH).deviceInfo(); console.log('addon sees', d.cudaDevice, d.cudaError ?? ''); process.exit(d.cuda ? 0 : 1)" || status=1
  gpu_tests cuda || status=1
  echo "== 3 epochs: --device cuda vs the same run on the CPU (same seed and weights, dropout off; ${TRAIN_CSV:-synthetic})"
  R=${NTP_GPU_RUNS:-/tmp/ntp-gpu-runs}
  rm -rf "$R" && mkdir -p "$R"
  for dev in cuda cpu; do
    train_run "$dev" "$R/$dev" 3 > "$R/$dev.json" || status=1
  done
  "$NODE" -e "
    const h = (d) => require('$R/' + d + '/history.json').flatMap((e) => [e.loss, e.val_loss]).filter((v) => typeof v === 'number');
    const g = h('cuda'), c = h('cpu');
    const rel = Math.max(...g.map((v, i) => Math.abs(v - c[i]) / Math.abs(c[i])));
    console.log('loss cuda', g.join(' '), '\\nloss cpu ', c.join(' '), '\\nmax relative difference', rel);
    process.exit(g.length > 0 && g.length === c.length && rel < 1e-3 ? 0 : 1);" || status=1
  echo "== GPU training/inference benchmark (ntp cuda vs the cpu path on this machine's cores)"
  # Batch 1 is the dispatch floor (the host's JS and launches alone): it tells a GPU-bound step from a CPU-bound one.
  device_bench cuda 1,144,1024 5 "${OUT:-/tmp}/device-cuda.json" || status=1
fi
exit "$status"
