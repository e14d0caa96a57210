#!/bin/bash
# acc.sh A B: accuracy on the 10,000 test images and integer MAC share of both (org.quantrace.measure.Measure; its throughput lines dropped)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP="/tmp/s15/measure:/tmp/s15/plugins/*"
X=/work/wt/speed15/tests/data/fashion-mnist/t10k-images-idx3-ubyte.gz; Y=/work/wt/speed15/tests/data/fashion-mnist/t10k-labels-idx1-ubyte.gz
$J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Measure $1 $2 $X $Y --rounds 1 --block 0.02 2>&1 | grep accuracy
