#!/bin/bash
# try2.sh MODEL  -> inspect, convert, quantize (drq, fiq-int8, fiq-uint8), evaluate, debug, a recipe run and verify;
# logs in ${WILD_OUT:-/tmp/wild}/out/MODEL. Image models read Fashion-MNIST IDX files; the token model (bert) reads the
# .npy files make_wild2.py writes next to it; LAYOUT=NHWC feeds images NHWC (make_unseen10's tfsame); TOKENS=PREFIX reads PREFIX-calib.npy / PREFIX-test.npy (make_wild5.py's text models);
# DTYPE=uint8 feeds raw 0-255 images without scaling (make_unseen14's rawin, whose graph casts and normalizes them);
# METRICS=mse,psnr,ssim evaluates a model whose output is no class scores (make_unseen12's dae) against the original's outputs (default accuracy).
Q="${QUANTRACE:-$(cd "$(dirname "$0")/../../.." && pwd)/quantrace}"
m=$1; W=${WILD_OUT:-/tmp/wild}; Z="$(cd "$(dirname "$0")/.." && pwd)"
o=$W/out/$m; rm -rf $o; mkdir -p $o
if [ "$m" = bert ] || [ -n "$TOKENS" ]; then t=${TOKENS:-tokens}
  cal="--data $W/$t-calib.npy --labels $W/labels-calib.npy"
  ev="--data $W/$t-test.npy --labels $W/labels-test.npy --samples 2000"
  ds="dataset calib \"$W/$t-calib.npy\" role calibration format npy labels \"$W/labels-calib.npy\"
	dataset eval \"$W/$t-test.npy\" role evaluation format npy labels \"$W/labels-test.npy\" samples 1000"; pre=""
else
  sc="scale=1/255,"; [ "${DTYPE:-float32}" = float32 ] || sc=""
  p="--preprocess grayscale,${sc}layout=${LAYOUT:-NCHW},dtype=${DTYPE:-float32}"
  cal="--data $Z/zoo/data/calib300-images-idx3-ubyte.gz --labels $Z/zoo/data/calib300-labels-idx1-ubyte.gz $p"
  ev="--data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz --samples 2000 $p"
  ds="dataset calib \"$Z/zoo/data/calib300-images-idx3-ubyte.gz\" role calibration format idx labels \"$Z/zoo/data/calib300-labels-idx1-ubyte.gz\"
	dataset eval \"$Z/fashion-mnist/t10k-images-idx3-ubyte.gz\" role evaluation format idx labels \"$Z/fashion-mnist/t10k-labels-idx1-ubyte.gz\" samples 1000"
  pre="preprocess { grayscale ${sc:+scale 1/255 }layout ${LAYOUT:-NCHW} dtype ${DTYPE:-float32} }"
fi
$Q inspect $W/$m.onnx > $o/inspect.txt 2>&1; echo "inspect rc=$?"
$Q convert $W/$m.onnx -o $o/conv.onnx > $o/convert.txt 2>&1; echo "convert rc=$?"
for s in drq fiq-int8 fiq-uint8; do
  $Q quantize $W/$m.onnx --scheme $s $cal -o $o/$s.onnx > $o/q-$s.txt 2>&1; echo "quantize $s rc=$?"
done
$Q evaluate $W/$m.onnx $o/conv.onnx $o/drq.onnx $o/fiq-int8.onnx $o/fiq-uint8.onnx $ev --metrics ${METRICS:-accuracy} > $o/eval.txt 2>&1; echo "evaluate rc=$?"
grep -iE "accuracy|psnr|onnx|error" $o/eval.txt | head -12
$Q debug $W/$m.onnx $o/fiq-int8.onnx $ev --debug-samples 64 -o $o/debug > $o/debug.txt 2>&1; echo "debug rc=$?"
cat > $o/recipe.qr <<R
recipe wild_$m "wild model $m" {
	responsible "wild round"
	conversion-id CONV-WILD-1
	optimization-id OPT-WILD-1
	model m "$W/$m.onnx" id WILD version 1 framework "PyTorch 1.13.0"
	$ds
	$pre
	convert { eliminate dropout, batch-normalization }
	schemes unquantized, drq, fiq_int8, fiq_uint8
	evaluate on eval metrics $(echo ${METRICS:-accuracy} | sed 's/,/, /g')
	debug fiq_int8 threshold rmse/scale > 0.5
}
R
$Q run $o/recipe.qr -o $o/run > $o/run.txt 2>&1; echo "run rc=$?"
$Q verify $o/run > $o/verify.txt 2>&1; echo "verify rc=$?"; tail -3 $o/verify.txt
