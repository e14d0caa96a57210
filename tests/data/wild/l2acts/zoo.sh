#!/bin/bash
# zoo.sh Q OUTDIR MODEL... : fiq-int8 minmax and l2 of each zoo model (calib300), evaluated with fp32 on the 10,000 test images
Q=$1; O=$2; shift 2
Z="$(cd "$(dirname "$0")/../.." && pwd)"
cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz"
mkdir -p $O
for m in "$@"; do
  for meth in minmax l2; do
    /usr/bin/time -f "%e s %M kB" -o $O/$m-$meth.time $Q quantize $Z/zoo/$m.onnx --scheme fiq-int8 --method $meth $cal -o $O/$m-$meth.onnx > $O/$m-$meth.txt 2>&1; echo "$m $meth rc=$?"
  done
  if [ $m = bspc_gap ]; then ev="--data /tmp/l2acts/t10k-attributes.npz --multilabel --integer-outputs dequantized"
  else ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz"; fi
  $Q evaluate $Z/zoo/$m.onnx $O/$m-minmax.onnx $O/$m-l2.onnx $ev --metrics accuracy > $O/$m-eval.txt 2>&1; echo "$m evaluate rc=$?"
  grep -A4 "^model" $O/$m-eval.txt
done
