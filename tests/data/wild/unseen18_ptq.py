#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-17_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen18's models, read from make_unseen18's NAME.pt; accuracy on the 10,000 test images for fp32 and torch
int8 (dynq: its float source DynqNet; proto: its log-kernel scores, whose argmax is the deployed Hardmax).
    /usr/bin/python3 tests/data/wild/unseen18_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen18, fx_ptq

fx_ptq.main(make_unseen18, sys.argv[1:])
