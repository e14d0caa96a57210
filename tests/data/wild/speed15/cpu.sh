#!/bin/bash
# cpu.sh BASELINE MODEL...: org.quantrace.measure.CpuTime (1 thread, no profiler), batch 64
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP="/tmp/s15/measure:/tmp/s15/plugins/*"
D=/work/wt/speed15/tests/data/zoo/data
echo "uptime: $(uptime)"
$J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.CpuTime $D/calib300-images-idx3-ubyte.gz $D/calib300-labels-idx1-ubyte.gz --runs ${RUNS:-100} --passes ${PASSES:-3} "$@" 2>&1 | grep -v WARN
