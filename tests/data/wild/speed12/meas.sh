#!/bin/bash
# meas.sh TAG DIR MODEL... : Preds (10,000), Share and Profile (1 thread, batch 64) of DIR/MODEL/{conv,def,fsk}.onnx
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP="/tmp/speed12/measure:/tmp/speed12/plugins0/*"
tag=$1; D=$2; shift 2
for m in "$@"; do o=$D/$m
 if [ "$m" = kerasnhwc ] || [ "$m" = tfsame ]; then X=/tmp/unseen11/t10k-nhwc.npy; Y=/tmp/unseen11/t10k-labels.npy; T=/tmp/unseen11/t64nhwc.npy
 else X=/work/wt/speed12/tests/data/fashion-mnist/t10k-images-idx3-ubyte.gz; Y=/work/wt/speed12/tests/data/fashion-mnist/t10k-labels-idx1-ubyte.gz; T=/tmp/unseen11/t64.npy; fi
 ms=""; for v in conv def fsk nar; do [ -f $o/$v.onnx ] && ms="$ms $o/$v.onnx"; done
 echo "=== $m"
 case $tag in *acc*) $J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Preds $X $Y $ms 2>&1 | grep -v WARN | grep -v '^\s*$' | tail -4
   $J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Share $T /tmp/unseen11/t64-labels.npy $(echo $ms | tr ' ' '\n' | grep -v conv.onnx) 2>&1 | grep -v WARN;; esac
 case $tag in *prof*) mkdir -p $o/prof; $J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Profile $T /tmp/unseen11/t64-labels.npy $o/prof --batch 64 --runs 40 --chunk 10 --threads 1 $ms 2>&1 | grep -v WARN | grep -iE 'cpu|onnx' | head -8;; esac
done
