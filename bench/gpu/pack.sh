#!/usr/bin/env bash
# Packs Node.js for bench/gpu/run.sh onto a device machine that has none: the node binary, its
# headers, the training candles, and the node_modules files run.sh's Node stages open
# (node-stages.sh, traced here on the host device with a cold tsx cache), into
# .devcarry/node-pack.tar.xz: ~34 MB where node_modules is 480 MB, under a 64 MiB carry.
# Run from the repository root after npm install; then, on the device machine:
#   bash bench/gpu/run.sh      (with .devcarry carried: run.sh unpacks it)
set -euo pipefail
command -v strace > /dev/null || { echo "pack.sh: strace is needed (apt-get install -y strace)"; exit 1; }
NODE=$(readlink -f "$(command -v node)")
ROOT=$(pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/pack/node/bin" "$WORK/pack/node/include" "$WORK/pack/data" "$WORK/tmp" .devcarry
cp "$NODE" "$WORK/pack/node/bin/node"
# The addon's binding includes V8's headers, which node-api-headers lacks: Node's own include dir.
INC=$(dirname "$(dirname "$NODE")")/include/node
[ -f "$INC/v8.h" ] || { echo "pack.sh: no Node headers at $INC"; exit 1; }
cp -r "$INC" "$WORK/pack/node/include/"

# The stages on the host device, small: every module they import is opened all the same.
# shellcheck source=bench/gpu/node-stages.sh
source bench/gpu/node-stages.sh
[ -n "$TRAIN_CSV" ] && cp "$TRAIN_CSV" "$WORK/pack/data/"
export NODE
trace() { TMPDIR="$WORK/tmp" strace -f -qq -e trace=openat,execve -o "$WORK/trace.$1" \
    bash -c "source bench/gpu/node-stages.sh && ${*:2}" > "$WORK/$1.log" 2>&1 \
  || { tail -20 "$WORK/$1.log"; echo "pack.sh: the traced $1 stage failed"; exit 1; }; }
echo "pack.sh: tracing the Node stages (about 2 minutes)"
trace tests gpu_tests host
trace train train_run cpu "$WORK/run" 1
trace bench device_bench host 8 1 "$WORK/bench.json"

# Opened regular files under node_modules, every package.json (module resolution reads them),
# esbuild whole (tsx runs its binary, which a warm transform cache hides), node-addon-api's headers.
cat "$WORK"/trace.* | grep -v ENOENT | grep -oE "\"($ROOT/)?node_modules/[^\"]*\"" | tr -d '"' | sed "s#^$ROOT/##" \
  | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done > "$WORK/files"
{ find node_modules -name package.json -type f; find node_modules/esbuild node_modules/@esbuild node_modules/node-addon-api -type f; } \
  >> "$WORK/files"
sort -u "$WORK/files" -o "$WORK/files"
tar -cf "$WORK/pack.tar" -T "$WORK/files" --transform 's#^#pack/#'
tar -rf "$WORK/pack.tar" -C "$WORK" pack/node pack/data
xz -T0 -6 -c "$WORK/pack.tar" > .devcarry/node-pack.tar.xz.tmp
mv .devcarry/node-pack.tar.xz.tmp .devcarry/node-pack.tar.xz
echo "pack.sh: .devcarry/node-pack.tar.xz, $(du -m .devcarry/node-pack.tar.xz | cut -f1) MB ($(wc -l < "$WORK/files") node_modules files, node $("$NODE" --version)${TRAIN_CSV:+, $TRAIN_CSV})"
