# branch mbv3speed: an untrained stack for timing grouped Convs: a 3x3 stride-2 stem 1 -> C, four Conv(C, C, K, groups=G) + ReLU at 14x14, mean, Linear.
# /usr/bin/python3 grouped_stack.py C G K  (writes gC_G_K.onnx; then quantize it, grouped_dense.py, Profile the three)
import torch, torch.nn as nn, sys
torch.manual_seed(0)
C, G, K = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
class N(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, C, 3, 2, 1), nn.ReLU())
        s.body = nn.Sequential(*[m for _ in range(4) for m in (nn.Conv2d(C, C, K, 1, K // 2, groups=G), nn.ReLU())])
        s.fc = nn.Linear(C, 10)
    def forward(s, x):
        return s.fc(s.body(s.stem(x)).mean((2, 3)))
m = N().eval()
torch.onnx.export(m, torch.zeros(1, 1, 28, 28), f'g{C}_{G}_{K}.onnx', input_names=['input'], output_names=['logits'], dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, opset_version=13)
