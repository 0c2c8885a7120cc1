#!/usr/bin/python3
"""Evaluates a ResNet-20 that resnet4j exported (resnet4j export --weights BEST.ckpt --out resnet20.pt) with PyTorch alone,
on the CIFAR-10 test records, normalised as resnet4j trained it. Run from the repository root."""
import sys, numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, "tools")
import reference_models
model = reference_models.build("resnet20")
model.load_state_dict(torch.load("resnet20.pt"))
model.eval()
raw = np.fromfile("../shared/datasets/cifar-10-batches-bin/test_batch.bin", dtype=np.uint8).reshape(-1, 3073)
x = torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255)
x = (x - torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)) / torch.tensor([0.2023, 0.1994, 0.2010]).view(1, 3, 1, 1)
y = torch.from_numpy(raw[:, 0].astype(np.int64))
with torch.no_grad():
    logits = torch.cat([model(x[i:i + 500]) for i in range(0, len(x), 500)])
print(f"PyTorch {torch.__version__}: loss {F.cross_entropy(logits, y).item():.4f}, top-1 {(logits.argmax(1) == y).float().mean().item():.2%}")
