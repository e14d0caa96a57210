#!/bin/bash
# variants.sh OUTDIR zoo|unseen MODEL... : fiq-int8 l2 with the experiment's min-max kept for nonneg / relu tensors, evaluated on 10,000
O=$1; kind=$2; shift 2
Z="$(cd "$(dirname "$0")/../.." && pwd)"
p="--preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32"
mkdir -p $O
for m in "$@"; do
  if [ $kind = zoo ]; then src=$Z/zoo/$m.onnx; cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz"
  else src=/tmp/l2acts/m/$m.onnx; cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz --labels $Z/zoo/data/calib300-labels-idx1-ubyte.gz $p"; fi
  for v in nonneg relu; do
    QX_OPTS=-Dquantrace.experiment.l2acts=$v /tmp/l2acts/qx quantize $src --scheme fiq-int8 --method l2 $cal -o $O/$m-$v.onnx > $O/$m-$v.txt 2>&1; echo "$m $v rc=$? $(grep EXPERIMENT $O/$m-$v.txt)"
  done
  if [ $m = bspc_gap ]; then ev="--data /tmp/l2acts/t10k-attributes.npz --multilabel --integer-outputs dequantized"
  else ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz $p"; fi
  /tmp/lead/q20 evaluate $src $O/$m-nonneg.onnx $O/$m-relu.onnx $ev --metrics accuracy > $O/$m-eval.txt 2>&1; echo "$m evaluate rc=$?"
  grep -A4 "^model" $O/$m-eval.txt
done
