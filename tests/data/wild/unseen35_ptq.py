#!/usr/bin/python3
"""torch's own PTQ on make_unseen35's torch twins (the models whose weights the old-form graphs hold), read from NAME.pt in
$WILD_OUT: unseen23_ptq.py's procedure (FX prepare_fx/convert_fx on calib300, onednn's default qconfig mapping and MinMax
activations with per-channel weights), accuracy on the first 2,000 and all 10,000 test images; where FX cannot trace a model
(rare13's ArgMax -> one_hot), torch's eager dynamic quantization of its nn.Linear layers instead. squeeze7's and seg9's twins
return the logits the graphs' Softmax (squeeze7) and GlobalAveragePool (seg9) read: the same argmax.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen35_ptq.py [NAME ...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen35 as U
from unseen23_ptq import compare

MODELS = {"squeeze7": (U.Squeeze, 0), "alex8": (U.Alex, 0), "seg9": (U.Seg, 0), "caffe6": (U.Caffe, 0), "rare13": (U.Rare, 0)}

if __name__ == "__main__":
    for name in sys.argv[1:] or MODELS:
        try:
            compare({name: MODELS[name]}, U.OUT, [name], dynamic_fallback=True)
        except Exception as e:
            print(f"  {name}: torch's PTQ failed too ({type(e).__name__}: {str(e)[:160]})", flush=True)
