#!/usr/bin/python3
"""torch's own PTQ on make_unseen31's models, read from make_unseen31's NAME.pt in $WILD_OUT: unseen23_ptq.py's procedure
(FX prepare_fx/convert_fx on calib300 in batches of 32, onednn's default qconfig mapping and MinMax activations with
per-channel weights), accuracy on the first 2,000 and all 10,000 test images; where FX cannot trace the model, torch's
eager dynamic quantization of the nn.Linear layers (quantize_dynamic, qint8: the counterpart of Quantrace's drq) instead.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen31_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen31 as U
from unseen23_ptq import compare

if __name__ == "__main__":
    compare({name: (cls, opset) for name, (cls, opset, _) in U.MODELS.items()}, U.OUT, sys.argv[1:], dynamic_fallback=True)
