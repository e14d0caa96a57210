#!/bin/bash
# qz.sh IN OUT [extra]: fiq-int8 on the zoo's 300 calibration images
in=$1; out=$2; shift 2
/tmp/s13/q quantize $in --scheme fiq-int8 --data /work/wt/speed13/tests/data/zoo/data/calib300-images-idx3-ubyte.gz --labels /work/wt/speed13/tests/data/zoo/data/calib300-labels-idx1-ubyte.gz --preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32 -o $out "$@"
