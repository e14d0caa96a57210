#!/usr/bin/env python3
# /usr/bin/python3 tests/data/wild/make_torchvision.py [name...]  -> NAME.onnx, calib.npy, test.npy, NAME-labels.npy in $WILD_OUT (default /tmp/tv)
# torchvision architectures at 224x224 RGB (random init, BN statistics refreshed on real images), exported as users export them;
# labels = the fp32 model's own argmax, so a quantized model's "accuracy" is its top-1 agreement with fp32.
import sys, gzip, numpy as np, torch, torchvision
torch.manual_seed(0); np.random.seed(0)
import os
out = os.environ.get("WILD_OUT", "/tmp/tv")
def fmnist(n, off):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[off:off + n]
    t = torch.tensor(x, dtype=torch.float32)[:, None] / 255.0
    t = torch.nn.functional.interpolate(t, size=224, mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    mean = torch.tensor([0.485, 0.456, 0.406])[None, :, None, None]; std = torch.tensor([0.229, 0.224, 0.225])[None, :, None, None]
    return (t - mean) / std
calib = fmnist(256, 0); test = fmnist(512, 5000)
np.save(f"{out}/calib.npy", calib.numpy()); np.save(f"{out}/test.npy", test.numpy())
M = {
 "resnet18": lambda: torchvision.models.resnet18(num_classes=10),
 "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(num_classes=10),
 "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(num_classes=10),
 "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(num_classes=10),
 "shufflenet": lambda: torchvision.models.shufflenet_v2_x1_0(num_classes=10),
 "squeezenet": lambda: torchvision.models.squeezenet1_1(num_classes=10),
 "convnext": lambda: torchvision.models.convnext_tiny(num_classes=10),
 "vit": lambda: torchvision.models.VisionTransformer(image_size=224, patch_size=16, num_layers=4, num_heads=4, hidden_dim=192, mlp_dim=384, num_classes=10),
 "regnet": lambda: torchvision.models.regnet_y_400mf(num_classes=10),
}
for name in sys.argv[1:] or list(M):
    m = M[name]()
    m.train()
    with torch.no_grad():
        for i in range(0, 256, 32):
            m(calib[i:i + 32])
    m.eval()
    with torch.no_grad():
        labels = torch.cat([m(test[i:i + 64]).argmax(1) for i in range(0, 512, 64)])
    np.save(f"{out}/{name}-labels.npy", labels.numpy().astype(np.int64))
    np.save(f"{out}/{name}-calib-labels.npy", np.zeros(256, np.int64))
    opset = 17 if name in ("vit", "convnext") else 13
    torch.onnx.export(m, calib[:1], f"{out}/{name}.onnx", opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(name, "classes used:", len(set(labels.tolist())), flush=True)
