#!/bin/bash
# ev.sh MODEL... : accuracy on the 10,000 test images with the given CLI (Q, default main's q19)
Z="$(cd "$(dirname "$0")/../.." && pwd)"; P="--preprocess grayscale,scale=1/255,layout=NCHW,dtype=float32"
${Q:?the CLI} evaluate "$@" --data $Z/fashion-mnist/t10k-images-idx3-ubyte.gz --labels $Z/fashion-mnist/t10k-labels-idx1-ubyte.gz $P --metrics accuracy 2>&1 | grep -A30 "^model"
