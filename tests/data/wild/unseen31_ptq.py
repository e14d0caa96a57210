#!/usr/bin/python3
"""torch's own PTQ on make_unseen31's models, read from make_unseen31's NAME.pt in $WILD_OUT: unseen23_ptq.py's procedure
(FX prepare_fx/convert_fx on calib300 in batches of 32, onednn's default qconfig mapping and MinMax activations with
per-channel weights), accuracy on the first 2,000 and all 10,000 test images; where FX cannot trace the model, torch's
eager dynamic quantization of the nn.Linear layers (quantize_dynamic, qint8: the counterpart of Quantrace's drq) instead.
A model where that fails too (clipzs: CLIP's AttentionPool2d reads its Linears' .weight and .bias, which a dynamic
quantized Linear holds as methods) is reported and the next one run.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen31_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen31 as U
from unseen23_ptq import compare

if __name__ == "__main__":
    for name in sys.argv[1:] or U.MODELS:
        try:
            compare({name: U.MODELS[name][:2]}, U.OUT, [name], dynamic_fallback=True)
        except Exception as e:
            print(f"  {name}: torch's PTQ failed too ({type(e).__name__}: {str(e)[:160]})", flush=True)
