#!/usr/bin/python3
"""torch's PTQ (fx_ptq.py: FX, onednn, calib300) on make_unseen22's models, read from make_unseen22's NAME.pt; accuracy on
the 10,000 test images for fp32 and torch int8.
    /usr/bin/python3 tests/data/wild/unseen22_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen22, fx_ptq

fx_ptq.main(make_unseen22, sys.argv[1:])
