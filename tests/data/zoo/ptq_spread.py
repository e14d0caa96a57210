"""How much torch's own PTQ of mobilenetv3_constants_opset11 moves with the choice of the 300 calibration images.

The zoo compares Quantrace's fiq_int8 with torch 1.13's PTQ (make_zoo.py's recipe: FX prepare_fx/convert_fx,
get_default_qconfig_mapping('onednn'), batches of 32) on one calibration set. This script rebuilds the torch model
from the ONNX file's Constant weights (names are the state_dict keys), then quantizes it with the zoo's calibration
set and with K more disjoint sets of 300 training images the model was not trained on, prints torch's accuracy on
the 10,000 test images for each and writes each set as IDX, so that Quantrace can be calibrated on the same sets:

    /usr/bin/python3 tests/data/zoo/ptq_spread.py 10 /tmp/calib      # writes /tmp/calib/{zoo,k0..k9}-images-idx3-ubyte.gz
    quantrace convert tests/data/zoo/mobilenetv3_constants_opset11.onnx -o conv.onnx
    quantrace quantize conv.onnx --scheme fiq-int8 --data /tmp/calib/k0-images-idx3-ubyte.gz -o k0.onnx   # and so on

Results: docs/zoo-bench.md, "torch's PTQ against Quantrace over eleven calibration sets". Nothing is written into the repository.
"""
import copy
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
K = int(sys.argv[1]) if len(sys.argv) > 1 else 10
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/calib"
os.makedirs(OUT, exist_ok=True)
os.environ["ZOO_OUT"] = OUT  # make_zoo writes nothing on import; keep it off the repository anyway
sys.path.insert(0, HERE)
import make_zoo as Z  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

NAME = "mobilenetv3_constants_opset11"
data = Z.Data()
spec = Z.ZOO[NAME]
Z.seed_everything(0)
model = spec["build"]()
m = onnx.load(os.path.join(HERE, NAME + ".onnx"))
consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in m.graph.node if n.op_type == "Constant"}
state = model.state_dict()
for key in state:
    if key in consts:
        state[key] = torch.from_numpy(consts[key].copy())
    elif not key.endswith("num_batches_tracked"):
        raise SystemExit("no Constant for " + key)
model.load_state_dict(state)
model.eval()
print(f"fp32 {Z.accuracy(model, data, False):.4f}", flush=True)

# the training images the model saw (make_zoo.train's draw), left out of the new calibration sets
trained = torch.randperm(len(data.train_x), generator=torch.Generator().manual_seed(0))[: spec["samples"]].numpy()
pool = np.random.RandomState(12345).permutation(np.setdiff1d(np.arange(len(data.train_x)), trained))
sets = [("zoo", data.calib_x)] + [(f"k{i}", data.train_x[np.sort(pool[i * 300:(i + 1) * 300])]) for i in range(K)]
for name, images in sets:
    Z.write_idx(os.path.join(OUT, f"{name}-images-idx3-ubyte.gz"), images)
    calib = Z.Data.tensor(images)
    prepared = prepare_fx(copy.deepcopy(model).eval(), get_default_qconfig_mapping(Z.QENGINE), (calib[:1],))
    with torch.no_grad():
        for i in range(0, len(calib), 32):
            prepared(calib[i:i + 32])
    print(f"torch PTQ {name} {Z.accuracy(convert_fx(prepared), data, False):.4f}", flush=True)
