# The Node.js stages of the GPU check, written once: run.sh runs them on the GPU, pack.sh runs
# them on the host device under strace to learn which node_modules files they open.
# Sourced with NODE set (the node binary) from the repository root.

# A carried pack (pack.sh) brings the training candles; else ../shared/data or shared/data.
TRAIN_CSV=""
for f in .devcarry/pack/data/BTCUSDT-1h.csv ../shared/data/BTCUSDT-1h.csv shared/data/BTCUSDT-1h.csv; do
  [ -f "$f" ] && TRAIN_CSV=$f && break
done
# Bars from 2025-01-01 (~2,900, ~2,000 training windows): 3 epochs take seconds on either device.
TRAIN_DATA=(--set data.source=synthetic)
[ -n "$TRAIN_CSV" ] && TRAIN_DATA=(--data "$TRAIN_CSV" --set data.from=2025-01-01)

# Every ntp kernel against tfjs's cpu kernels, the data store, a training step vs the cpu path,
# 200 steps without growth, save/load interchange; device: host or cuda.
gpu_tests() {
  NTP_TEST_DEVICE=$1 "$NODE" node_modules/ava/entrypoints/cli.mjs tests/runtime/ntp-backend/*.test.ts tests/runtime/device.test.ts
}

# train_run DEVICE DIR EPOCHS: the same seed and weights on every device, history in DIR/history.json.
# Dropout off: the cpu path's fused ops draw their masks natively, ntp's op forms through tfjs, so
# only without dropout do both devices train the same function (same initial weights, Adam equal
# bit for bit; the rest is float32 rounding).
train_run() {
  "$NODE" --import tsx src/cli/entry.ts train "$2" "${TRAIN_DATA[@]}" --device "$1" --set training.epochs="$3" \
    --set training.patience=10 --set model.transformer.dropout=0 --set model.indicators.dropout=0 --set model.tower.dropout=0 --json
}

# device_bench DEVICE BATCHES STEPS OUT: training and inference samples/s, the device vs the cpu path.
device_bench() {
  "$NODE" --import tsx bench/device-bench.js --device "$1" --batches "$2" --steps "$3" --out "$4"
}
