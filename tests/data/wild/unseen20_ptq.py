#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, fx_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of 32) on
make_unseen20's models, read from make_unseen20's NAME.pt; accuracy of the first output (class scores) on the 10,000
test images for fp32 and torch int8.
    /usr/bin/python3 tests/data/wild/unseen20_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen20, fx_ptq

fx_ptq.main(make_unseen20, sys.argv[1:], lambda d: lambda m: make_unseen20.accuracy(m, d, 10000))
