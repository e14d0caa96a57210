#!/bin/bash
# meas.sh FP32 Q [rounds]: org.quantrace.measure.Measure, throughput side by side at batch 1 and 64
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP="/tmp/s15/measure:/tmp/s15/plugins/*"
D=/work/wt/speed15/tests/data/zoo/data
$J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Measure $1 $2 $D/calib300-images-idx3-ubyte.gz $D/calib300-labels-idx1-ubyte.gz --rounds ${3:-7} --block ${BLOCK:-0.25} 2>&1 | grep -v WARN
