#!/usr/bin/python3
"""torch's own PTQ on make_unseen32's torch models (ortvit/ortmha share one ViT, ortcnn a residual CNN), read from
NAME.pt in $WILD_OUT: unseen23_ptq.py's procedure (FX prepare_fx/convert_fx on calib300 in batches of 32, onednn's default
qconfig mapping and MinMax activations with per-channel weights), accuracy on the first 2,000 and all 10,000 test images;
where FX cannot trace a model, torch's eager dynamic quantization of its nn.Linear layers (quantize_dynamic, qint8) instead.
The sklearn models have no torch counterpart.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen32_ptq.py [ortvit|ortcnn ...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen32 as U
from unseen23_ptq import compare

MODELS = {"ortvit": (U.ViT, 14), "ortcnn": (U.ResCNN, 13)}

if __name__ == "__main__":
    for name in sys.argv[1:] or MODELS:
        try:
            compare({name: MODELS[name]}, U.OUT, [name], dynamic_fallback=True)
        except Exception as e:
            print(f"  {name}: torch's PTQ failed too ({type(e).__name__}: {str(e)[:160]})", flush=True)
