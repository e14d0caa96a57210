#!/bin/bash
Z="$(cd "$(dirname "$0")/../.." && pwd)"/zoo
for m in mobilenetv2 mobilenetv3 mobilenetv3_constants_opset11 resnet unet bspc_gap if_cnn vit lstm gru; do
  ${OLD:?the reference CLI} convert $Z/$m.onnx -o $m.conv.onnx > $m.conv.txt 2>&1
  for s in fiq-int8 fiq-uint8; do
    ${OLD:?the reference CLI} quantize $m.conv.onnx --scheme $s --data $Z/data/calib300-images-idx3-ubyte.gz -o $m.$s.old.onnx > $m.$s.old.txt 2>&1; a=$?
    ${NEW:?the CLI to compare} quantize $m.conv.onnx --scheme $s --data $Z/data/calib300-images-idx3-ubyte.gz -o $m.$s.new.onnx > $m.$s.new.txt 2>&1; b=$?
    echo "$m $s exit $a $b $(/usr/bin/python3 "$(dirname "$0")/same.py" $m.$s.old.onnx $m.$s.new.onnx)"
  done
done
