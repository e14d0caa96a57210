#!/bin/bash
# try_torchvision.sh NAME: quantize fiq-int8 on 256 calibration images (time and peak memory), then evaluate fp32 and int8
# in one batched pass over 512 images (accuracy = top-1 agreement with fp32, see make_torchvision.py).
Q="${QUANTRACE:-$(cd "$(dirname "$0")/../../.." && pwd)/quantrace}"
m=$1; W=${WILD_OUT:-/tmp/tv}; o=$W/out/$m; rm -rf "$o"; mkdir -p "$o"; cd "$W" || exit 2
/usr/bin/time -f "quantize %e s, peak %M KB" "$Q" quantize $m.onnx --scheme fiq-int8 --data calib.npy -o "$o/fiq-int8.onnx" > "$o/q.txt" 2>&1
echo "quantize rc=$? $(tail -1 "$o/q.txt")"; grep -E "^Quantized|^Pre-processed" "$o/q.txt"
"$Q" evaluate $m.onnx "$o/fiq-int8.onnx" --data test.npy --labels $m-labels.npy --metrics accuracy > "$o/eval.txt" 2>&1; echo "evaluate rc=$?"
grep -A3 "^model" "$o/eval.txt"
