#!/usr/bin/env bash
# Builds the C++ backtest test and GPU benchmark with CUDA and runs them (CUDA twin vs CPU):
#   bash bench/backtest-gpu.sh   (from the repository root, on a machine with nvcc and a GPU)
set -u
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; which cmake ninja nvcc g++; nvcc --version | tail -1
B=/tmp/bgpu
cmake -S . -B $B -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=${NTP_CUDA_ARCH:-native} -DCMAKE_CUDA_COMPILER=$(which nvcc) > $B.cfg.log 2>&1 || { tail -30 $B.cfg.log; exit 1; }
grep "CUDA kernels" $B.cfg.log
cmake --build $B --target test_backtest -j 16 2>&1 | grep -E "error|FAILED" | head -20
$B/test_backtest
CUDA_LIB=$(dirname $(dirname $(which nvcc)))/lib64
g++ -O3 -march=native -std=gnu++17 -DNTP_HAVE_CUDA=1 -I$(dirname $(dirname $(which nvcc)))/include bench/backtest-gpu-bench.cpp $B/libntp_core.a -L$CUDA_LIB -lcudart_static -ldl -lrt -lpthread -o $B/gpu-bench 2>&1 | head -20
$B/gpu-bench
