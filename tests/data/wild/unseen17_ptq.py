#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-16_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen17's models, read from make_unseen17's NAME.pt; accuracy on the 10,000 test images for fp32 and torch
int8 (noisy: one draw of its noise, seed 0 before each score).
    /usr/bin/python3 tests/data/wild/unseen17_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen17, fx_ptq

fx_ptq.main(make_unseen17, sys.argv[1:])
