#!/bin/bash
# sweep.sh Q OUTDIR MODELPATH... : convert + fiq-int8 default + fiq-int8 --float-slow-kernels per model
Q=$1; O=$2; shift 2
Z=/work/wt/speed12/tests/data
for f in "$@"; do
  m=$(basename $f .onnx); o=$O/$m; mkdir -p $o
  L=NCHW; case $m in kerasnhwc|tfsame) L=NHWC;; esac
  p="--preprocess grayscale,scale=1/255,layout=$L,dtype=float32"
  cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz --labels $Z/zoo/data/calib300-labels-idx1-ubyte.gz $p"
  [ -f $o/conv.onnx ] || $Q convert $f -o $o/conv.onnx > $o/convert.txt 2>&1
  $Q quantize $f --scheme fiq-int8 $cal -o $o/def.onnx > $o/q-def.txt 2>&1; r1=$?
  $Q quantize $f --scheme fiq-int8 $cal --float-slow-kernels -o $o/fsk.onnx > $o/q-fsk.txt 2>&1; r2=$?
  s1=$(sha256sum < $o/def.onnx | cut -c1-12); s2=$(sha256sum < $o/fsk.onnx | cut -c1-12)
  echo "$m rc=$r1/$r2 def=$s1 fsk=$s2 $([ $s1 = $s2 ] && echo SAME || echo DIFF)"
done
