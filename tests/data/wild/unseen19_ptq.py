#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-18_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen19's models, read from make_unseen19's NAME.pt; accuracy on the 10,000 test images for fp32 and torch
int8 (f64: the float32 model it was trained as, before model.double(); pruned: after pruning and fine-tuning).
    /usr/bin/python3 tests/data/wild/unseen19_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen19, fx_ptq

fx_ptq.main(make_unseen19, sys.argv[1:])
