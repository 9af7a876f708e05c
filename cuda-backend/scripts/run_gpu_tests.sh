#!/usr/bin/env bash
# Runs the CUDA backend's GPU tests on a GPU machine, from the repository root (Java and cuBLAS found by
# gpu_java.sh). Exit status 0 = all passed.
set -euo pipefail
source "$(dirname "$0")/gpu_java.sh"
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
CP="$BUNDLE/launcher:$BUNDLE/lib/*:../tensor-core/target/classes:../tensor-core/target/test-classes:target/classes:target/test-classes"
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xss4m -cp "$CP" GpuLauncher \
  dev.hone.cuda.CudaProbeTest dev.hone.cuda.CudaTransfersGpuTest dev.hone.cuda.CudaFourBitGpuTest dev.hone.cuda.CudaTrainingGpuTest dev.hone.cuda.CudaNf4GpuTest dev.hone.cuda.CudaConformanceGpuTest
