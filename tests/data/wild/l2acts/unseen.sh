#!/bin/bash
# unseen.sh Q OUTDIR MODEL... : fiq-int8 minmax and l2 of each model (calib300), evaluated with fp32 on the 10,000 test images
Q=$1; O=$2; shift 2
Z="$(cd "$(dirname "$0")/../.." && pwd)"
p="--preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32"
cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz --labels $Z/zoo/data/calib300-labels-idx1-ubyte.gz $p"
ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz $p"
mkdir -p $O
for m in "$@"; do
  for meth in minmax l2; do
    /usr/bin/time -f "%e s %M kB" -o $O/$m-$meth.time $Q quantize /tmp/l2acts/m/$m.onnx --scheme fiq-int8 --method $meth $cal -o $O/$m-$meth.onnx > $O/$m-$meth.txt 2>&1; echo "$m $meth rc=$?"
  done
  $Q evaluate /tmp/l2acts/m/$m.onnx $O/$m-minmax.onnx $O/$m-l2.onnx $ev --metrics accuracy > $O/$m-eval.txt 2>&1; echo "$m evaluate rc=$?"
  grep -iE "accuracy" $O/$m-eval.txt | head -5
done
