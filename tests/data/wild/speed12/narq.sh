#!/bin/bash
Z=/work/wt/speed12/tests/data
for m in "$@"; do
  f=$(ls /tmp/unseen*/$m.onnx $Z/zoo/$m.onnx 2>/dev/null | head -1)
  p="--preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32"
  cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz --labels $Z/zoo/data/calib300-labels-idx1-ubyte.gz $p"
  ./q0 quantize $f --scheme fiq-int8 $cal --exclude "$(/usr/bin/python3 narrow.py $m)" -o s0/$m/nar.onnx > s0/$m/q-nar.txt 2>&1; echo "$m rc=$? $(grep -c '^  - ' s0/$m/q-nar.txt) float"
done
