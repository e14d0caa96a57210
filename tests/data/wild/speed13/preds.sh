#!/bin/bash
# preds.sh MODEL... : accuracy on the 10,000 test images (org.quantrace.measure.Preds, its own ONNX Runtime session)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP="/tmp/unseen12/measure:/tmp/s13/plugins/*"
X=/work/wt/speed13/tests/data/fashion-mnist/t10k-images-idx3-ubyte.gz; Y=/work/wt/speed13/tests/data/fashion-mnist/t10k-labels-idx1-ubyte.gz
$J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Preds $X $Y "$@" 2>&1 | grep -v WARN
