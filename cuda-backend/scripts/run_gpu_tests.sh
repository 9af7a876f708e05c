#!/usr/bin/env bash
# Runs the CUDA backend's GPU tests on a GPU machine, from the repository root. Uses `java` from
# JAVA_HOME if set, else the bundled runtime made by scripts/gpu_bundle.sh. Finds cuBLAS under
# /usr/local (or wherever CUBLAS_DIR points) and puts it on LD_LIBRARY_PATH. Exit status 0 = all passed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=target/gpu-run
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA=$JAVA_HOME/bin/java; else
  mkdir -p /tmp/hone-gpu && tar -xJf $BUNDLE/jre.tar.xz -C /tmp/hone-gpu && JAVA=/tmp/hone-gpu/jre/bin/java
fi
CUBLAS_DIR=${CUBLAS_DIR:-$(dirname "$(find /usr/local /usr/lib /opt -name 'libcublas.so.1[23]' 2>/dev/null | head -1)")}
export LD_LIBRARY_PATH=$CUBLAS_DIR:${LD_LIBRARY_PATH:-}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
CP="$BUNDLE/launcher:$BUNDLE/lib/*:../tensor-core/target/classes:../tensor-core/target/test-classes:target/classes:target/test-classes"
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xss4m -cp "$CP" GpuLauncher \
  dev.hone.cuda.CudaProbeTest dev.hone.cuda.CudaTrainingGpuTest dev.hone.cuda.CudaNf4GpuTest dev.hone.cuda.CudaConformanceGpuTest
