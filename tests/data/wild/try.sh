#!/bin/bash
# try.sh MODEL [preprocess]  -> convert, 4 schemes, evaluate; logs in ${WILD_OUT:-/tmp/wild}/out/MODEL
Q="${QUANTRACE:-$(cd "$(dirname "$0")/../../.." && pwd)/quantrace}"
m=$1; pre=${2:-grayscale,scale=1/255,layout=NCHW,dtype=float32}
Z="$(cd "$(dirname "$0")/.." && pwd)"
o=${WILD_OUT:-/tmp/wild}/out/$m; rm -rf $o; mkdir -p $o
cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz --labels $Z/zoo/data/calib300-labels-idx1-ubyte.gz --preprocess $pre"
ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz --samples 2000 --preprocess $pre"
$Q inspect ${WILD_OUT:-/tmp/wild}/$m.onnx > $o/inspect.txt 2>&1; echo "inspect rc=$?"
$Q convert ${WILD_OUT:-/tmp/wild}/$m.onnx -o $o/conv.onnx > $o/convert.txt 2>&1; echo "convert rc=$?"
for s in drq fiq-float32 fiq-int8 fiq-uint8; do
  $Q quantize ${WILD_OUT:-/tmp/wild}/$m.onnx --scheme $s $cal -o $o/$s.onnx > $o/q-$s.txt 2>&1; echo "quantize $s rc=$?"
done
$Q evaluate ${WILD_OUT:-/tmp/wild}/$m.onnx $o/conv.onnx $o/drq.onnx $o/fiq-float32.onnx $o/fiq-int8.onnx $o/fiq-uint8.onnx $ev --metrics accuracy > $o/eval.txt 2>&1; echo "evaluate rc=$?"
grep -iE "accuracy|onnx|error" $o/eval.txt | head -20
