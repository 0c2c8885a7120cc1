#!/usr/bin/python3
"""Loads weights that resnet4j exported into the PyTorch equivalent model and prints its eval-mode logits.

    /usr/bin/python3 tools/load_exported.py MODEL WEIGHTS(.pt|.safetensors) INPUTS.npy [CLASSES]

WEIGHTS is read with torch.load (.pt/.pth) or a minimal safetensors reader (Debian's PyTorch has no safetensors
package), loaded strictly with load_state_dict, and INPUTS (N rows of C*H*W floats, or an N×C×H×W array) go through
the model in eval mode. Prints one JSON object: {"logits": [[...], ...]}. The Java test TorchExportInteropTest runs
it to check that what resnet4j writes is what PyTorch reads.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[entry["dtype"]]) if end > start \
            else torch.empty(0, dtype=DTYPES[entry["dtype"]])
        out[key] = t.reshape(entry["shape"])
    return out


def main():
    name, weights, inputs = sys.argv[1], sys.argv[2], sys.argv[3]
    classes = int(sys.argv[4]) if len(sys.argv) > 4 else None
    state = torch.load(weights) if weights.endswith((".pt", ".pth")) else load_safetensors(weights)
    in_channels = state["conv1.weight"].shape[1]
    shortcut = "B" if any(".shortcut." in k for k in state) else None
    model = reference_models.build(name, num_classes=classes, in_channels=in_channels, shortcut=shortcut)
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.from_numpy(np.load(inputs)).float()
    if x.dim() == 2:
        side = int(round((x.shape[1] / in_channels) ** 0.5))
        x = x.reshape(x.shape[0], in_channels, side, side)
    with torch.no_grad():
        logits = model(x)
    print(json.dumps({"logits": logits.tolist()}))


if __name__ == "__main__":
    main()
