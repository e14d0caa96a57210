#!/bin/bash
# qz.sh CLI IN OUT [extra]: fiq-int8 on the zoo's 300 calibration images
q=$1; in=$2; out=$3; shift 3
$q quantize $in --scheme fiq-int8 --data /work/wt/speed15/tests/data/zoo/data/calib300-images-idx3-ubyte.gz --labels /work/wt/speed15/tests/data/zoo/data/calib300-labels-idx1-ubyte.gz --preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32 -o $out "$@"
