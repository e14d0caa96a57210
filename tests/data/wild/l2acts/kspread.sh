#!/bin/bash
# kspread.sh MODEL...: fiq-int8 minmax and l2 of the unseen models calibrated on sets k0-k4 (branch speed's /tmp/speed/calib), 10,000 test images
Z="$(cd "$(dirname "$0")/../.." && pwd)"; O=/tmp/l2acts/ks; mkdir -p $O; Q=${QUANTRACE:-/tmp/lead/q20}
p="--preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32"
ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz $p"
for m in "$@"; do
  for k in k0 k1 k2 k3 k4; do
    cal="--data /tmp/speed/calib/$k-images-idx3-ubyte.gz $p"
    for meth in minmax l2; do $Q quantize /tmp/l2acts/m/$m.onnx --scheme fiq-int8 --method $meth $cal -o $O/$m-$k-$meth.onnx > $O/$m-$k-$meth.txt 2>&1; done
  done
  $Q evaluate $O/$m-k?-*.onnx $ev --metrics accuracy > $O/$m-eval.txt 2>&1; echo "$m evaluate rc=$?"
  grep -A11 "^model" $O/$m-eval.txt
done
