#!/usr/bin/python3
"""torch's own PTQ on make_unseen34's torch models that Quantrace quantizes (detnms: the CNN's image logits, its NMS tail aside;
attn23: the row transformer), read from NAME.pt in $WILD_OUT: unseen23_ptq.py's procedure (FX prepare_fx/convert_fx on calib300,
onednn's default qconfig mapping and MinMax activations with per-channel weights), accuracy on the first 2,000 and all 10,000
test images; where FX cannot trace a model, torch's eager dynamic quantization of its nn.Linear layers instead. int4qdq and fp8qdq
arrive quantized (Quantrace refuses to quantize them again): no PTQ counterpart.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen34_ptq.py [detnms|attn23 ...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen34 as U
from unseen23_ptq import compare

MODELS = {"detnms": (U.DetNet, 0), "attn23": (U.Attn23, 0)}

if __name__ == "__main__":
    for name in sys.argv[1:] or MODELS:
        try:
            compare({name: MODELS[name]}, U.OUT, [name], dynamic_fallback=True)
        except Exception as e:
            print(f"  {name}: torch's PTQ failed too ({type(e).__name__}: {str(e)[:160]})", flush=True)
