#!/bin/bash
# effnet on calibration sets k0-k4 (branch speed's /tmp/speed/calib): minmax, l2, l2 with never-negative tensors min-max
Z="$(cd "$(dirname "$0")/../.." && pwd)"; O=/tmp/l2acts/ek; mkdir -p $O
p="--preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32"
ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz $p"
for k in k0 k1 k2 k3 k4; do
  cal="--data /tmp/speed/calib/$k-images-idx3-ubyte.gz $p"
  /tmp/lead/q20 quantize /tmp/l2acts/m/effnet.onnx --scheme fiq-int8 --method minmax $cal -o $O/$k-minmax.onnx > $O/$k-minmax.txt 2>&1
  /tmp/lead/q20 quantize /tmp/l2acts/m/effnet.onnx --scheme fiq-int8 --method l2 $cal -o $O/$k-l2.onnx > $O/$k-l2.txt 2>&1
  QX_OPTS=-Dquantrace.experiment.l2acts=nonneg /tmp/l2acts/qx quantize /tmp/l2acts/m/effnet.onnx --scheme fiq-int8 --method l2 $cal -o $O/$k-nonneg.onnx > $O/$k-nonneg.txt 2>&1
  /tmp/lead/q20 evaluate $O/$k-minmax.onnx $O/$k-l2.onnx $O/$k-nonneg.onnx $ev --metrics accuracy > $O/$k-eval.txt 2>&1; echo "$k evaluate rc=$?"
  grep -A4 "^model" $O/$k-eval.txt
done
