#!/usr/bin/env python3
# /usr/bin/python3 tests/data/wild/make_unet320.py  -> unet320.onnx, unet320-calib16.npy, unet320-calib256.npy in $WILD_OUT (default /tmp/unet320)
#
# A segmentation U-Net at 320x320 RGB, the large-activation case of issue 13's memory target ("<= 1 GB for 320x320 inputs"):
# full-resolution encoder and decoder levels (32, 64, 128, 256 channels, a 512-channel bottleneck at 1/16), Conv +
# BatchNorm + ReLU pairs, max-pool down, ConvTranspose up, skip Concats, a 1x1 head to 4 classes. About 7.8 M parameters
# (31 MB), and 130-360 MB of float activations per image, depending on what is counted (the 32-channel full-resolution tensors alone
# are 13 MB each), i.e. more per image than ConvNeXt-T at 224. Exported by torch 1.13 at opset 13 in eval mode with its 18
# BatchNormalization nodes kept (TrainingMode.PRESERVE, no constant folding), so that quantize's pre-processing folds them and
# checks its outputs against the original, as for a model exported before `quantrace convert`; dynamic batch.
# Weights are seeded random with BatchNorm statistics refreshed on the images: memory and time depend on activation shapes,
# not on what the network learned. Images: seeded smooth random fields in [0, 1] (float32), deterministic (seed 0).
import os, sys
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_num_threads(1)
out = os.environ.get("WILD_OUT", "/tmp/unet320")
os.makedirs(out, exist_ok=True)


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, widths=(32, 64, 128, 256), bottom=512, classes=4):
        super().__init__()
        self.down = nn.ModuleList()
        cin = 3
        for w in widths:
            self.down.append(block(cin, w))
            cin = w
        self.pool = nn.MaxPool2d(2)
        self.bottom = block(cin, bottom)
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        cin = bottom
        for w in reversed(widths):
            self.up.append(nn.ConvTranspose2d(cin, w, 2, 2))
            self.dec.append(block(2 * w, w))
            cin = w
        self.head = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for d in self.down:
            x = d(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for u, d, s in zip(self.up, self.dec, reversed(skips)):
            x = d(torch.cat([u(x), s], dim=1))
        return self.head(x)


def images(n, seed):
    """Smooth random fields: 10x10 noise upsampled bilinearly to 320x320, plus fine noise, clipped to [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 10, 10, generator=g)
    x = nn.functional.interpolate(coarse, size=320, mode="bilinear", align_corners=False)
    x = x + 0.05 * torch.randn(n, 3, 320, 320, generator=g)
    return x.clamp(0, 1).contiguous()


def main():
    calib = images(256, 0)
    m = UNet()
    m.train()
    with torch.no_grad():  # BatchNorm statistics of the images, as training would leave them
        for i in range(0, 64, 8):
            m(calib[i:i + 8])
    m.eval()
    params = sum(p.numel() for p in m.parameters())
    path = f"{out}/unet320.onnx"
    torch.onnx.export(m, calib[:1], path, opset_version=13, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False)
    np.save(f"{out}/unet320-calib256.npy", calib.numpy())
    np.save(f"{out}/unet320-calib16.npy", calib[:16].numpy())
    print(f"{path}: {params:,} parameters, {os.path.getsize(path):,} bytes; 256 and 16 images of 3x320x320")


if __name__ == "__main__":
    main()
