#!/bin/bash
# cpu.sh [CpuTime options] BASELINE.onnx MODEL.onnx...: org.quantrace.measure.CpuTime (one thread, CPU µs of the
# calling thread per batch, ratios to the first model; lower is faster) on the 10,000 Fashion-MNIST test images,
# from a packaged tree (./mvnw -o -q package -DskipTests); PLUGINS may name another build's plugins folder.
cd "$(dirname "$0")/../../../.." && . .mvn/select-jdk.sh && qr_select_jdk
P=${PLUGINS:-releng/org.quantrace.repository/target/repository/plugins}; D=tests/data/fashion-mnist
uptime; date -u
$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -Xmx2g -cp "tests/org.quantrace.measure/target/org.quantrace.measure-0.1.0-SNAPSHOT.jar:$P/*" \
	org.quantrace.measure.CpuTime $D/t10k-images-idx3-ubyte.gz $D/t10k-labels-idx1-ubyte.gz "$@" 2>&1 | grep -v WARNING
