#!/usr/bin/env bash
# Prints Quantrace's benchmark figures (calibration cost, memory, int8 speed-up, accuracy).
# Usage: tests/org.quantrace.bench/bench.sh [MODEL.onnx]   (default: ../shared/reference-models/fashion_resnet_wide.onnx)
#        tests/org.quantrace.bench/bench.sh memory   calibration peak memory on a 320x320 text detector for 4/16/64 images
#          and calibration time vs bare inference (CalibrationMemoryBench; writes nothing, ~10 min)
#        tests/org.quantrace.bench/bench.sh zoo [--models a,b] [--rounds N] [--block SECONDS] [--doc FILE|none] [--assemble] [--note TEXT]
#          the zoo bench: every tests/data/zoo model through `quantrace convert` and `quantize` (drq, fiq-float32,
#          fiq-int8), measured by the independent client org.quantrace.measure; writes docs/zoo-bench.md (~20 min idle,
#          an hour on a loaded machine). Results are kept per model (quantrace-out/zoo-bench/results): --models
#          re-measures those only, --assemble only rewrites the document from the kept results.
# Run on an otherwise idle machine; it takes a few minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/.mvn/select-jdk.sh"
qr_select_jdk || exit 2
cd "$root"
log="$(mktemp)"
./mvnw -B -q package -DskipTests >"$log" 2>&1 || { cat "$log"; exit 3; }
rm -f "$log"
cp="releng/org.quantrace.repository/target/repository/plugins/*"
cp="$cp:$(ls tests/org.quantrace.bench/target/org.quantrace.bench-*.jar):$(ls tests/org.quantrace.testing/target/org.quantrace.testing-*.jar)"
cp="$cp:$(ls tests/org.quantrace.measure/target/org.quantrace.measure-*.jar)"
if [ "${1:-}" = memory ]; then
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dquantrace.root="$root" -cp "$cp" org.quantrace.bench.CalibrationMemoryBench
fi
if [ "${1:-}" = zoo ]; then
  shift
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -Dquantrace.root="$root" -cp "$cp" org.quantrace.bench.ZooBench "$@"
fi
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -Dquantrace.root="$root" -cp "$cp" org.quantrace.bench.Bench "$@"

# The main job end to end, as a user starts it (JVM start included): target <= 30 s on 2 cores.
out="$(mktemp -d)"
start=$(date +%s.%N)
./quantrace run examples/fashion-mnist/fashion_cnn.qr -o "$out/run" >/dev/null 2>&1
end=$(date +%s.%N)
printf 'example recipe end to end (./quantrace run, %s CPUs): %.1f s wall (target <= 30 s)\n' "$(nproc)" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')"
rm -rf "$out"
