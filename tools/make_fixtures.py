#!/usr/bin/python3
"""Generates the PyTorch parity fixtures under src/test/resources/fixtures/.

Run with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_fixtures.py

What it writes, and what the Java tests check against it:
- resnet20_trained.safetensors / .pt: a resnet20 (option A) trained for a few dozen SGD steps on synthetic
  data, so weights and BatchNorm statistics are far from their initial values; the same state dict in
  safetensors and in torch.save's format.
- resnet20_parity.safetensors: inputs, eval-mode and train-mode logits of that model, and one BN's running
  statistics after the train-mode pass.
- <model>_deterministic.safetensors: inputs and logits of models whose weights follow a formula that
  DeterministicWeights.java reproduces bit for bit, so big models need no committed weights.
- cifar_eval/test_batch.bin + eval_expected.json: CIFAR-binary records and PyTorch's loss, top-1 and top-5 on
  them with resnet20_trained, for the end-to-end `resnet4j eval` test.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "fixtures")
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2023, 0.1994, 0.2010)
DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.uint8: "U8"}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset, blobs = 0, []
    for name, t in tensors.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def java_hash(s):
    h = 0
    for c in s:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    return h


def unit_values(key, n):
    """n values in [-1, 1) with 24-bit resolution, from an integer hash of (key, index); see DeterministicWeights."""
    m = np.uint64(0xFFFFFFFF)
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(0x9E3779B1) + np.uint64(java_hash(key)) * np.uint64(0x85EBCA77)) & m
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x2C1B3C6D)) & m
    h ^= h >> np.uint64(12)
    h = (h * np.uint64(0x297A2D39)) & m
    h ^= h >> np.uint64(15)
    return (h >> np.uint64(8)).astype(np.float64) / float(1 << 24) * 2.0 - 1.0


def deterministic_value(key, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    u = unit_values(key, n)
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "num_batches_tracked":
        return torch.tensor(7, dtype=torch.int64)
    if leaf == "weight" and len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        v = u * (1.0 / np.sqrt(float(fan_in)))
    elif leaf == "weight":
        v = 1.0 + 0.25 * u
    elif leaf == "running_var":
        v = 1.0 + 0.5 * u
    else:  # biases and running means
        v = 0.1 * u
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fill_deterministic(model):
    sd = model.state_dict()
    model.load_state_dict({k: deterministic_value(k, tuple(v.shape)) for k, v in sd.items()})


def synthetic_images(n, seed, size=32, channels=3):
    """uint8 images whose class shows as a colour and a stripe direction, plus noise: learnable in a few steps."""
    palette = np.random.default_rng(0).integers(30, 226, (10, channels))
    g = np.random.default_rng(seed)
    labels = g.integers(0, 10, n)
    imgs = np.empty((n, channels, size, size), dtype=np.float64)
    yy, xx = np.mgrid[0:size, 0:size]
    for k in range(n):
        c = labels[k]
        stripes = np.sin((xx if c % 2 else yy) * (0.3 + 0.1 * (c // 2)))
        imgs[k] = palette[c][:, None, None] + 25 * stripes[None] + g.normal(0, 20, (channels, size, size))
    return np.clip(imgs, 0, 255).astype(np.uint8), labels


def normalise(uint8_images):
    x = torch.from_numpy(uint8_images).float().div(255)
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def trained_resnet20():
    torch.manual_seed(0)
    model = reference_models.build("resnet20")
    images, labels = synthetic_images(64 * 40, seed=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    model.train()
    for step in range(40):
        x = normalise(images[step * 64:(step + 1) * 64])
        y = torch.from_numpy(labels[step * 64:(step + 1) * 64]).long()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    # Re-estimate the BN statistics for the final weights, so eval mode agrees with what training learned.
    with torch.no_grad():
        for step in range(20):
            model(normalise(images[step * 64:(step + 1) * 64]))
    print("resnet20 trained, last loss %.4f" % loss.item())
    return model


def parity(model, x):
    model.eval()
    with torch.no_grad():
        logits_eval = model(x)
        features_eval = model.features(x)
    model.train()
    with torch.no_grad():
        logits_train = model(x)
    model.eval()
    return logits_eval, logits_train, features_eval


def write_cifar_records(path, images, labels):
    with open(path, "wb") as f:
        for img, lab in zip(images, labels):
            f.write(bytes([int(lab)]))
            f.write(img.tobytes())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)

    model = trained_resnet20()
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    save_safetensors(os.path.join(OUT, "resnet20_trained.safetensors"), sd, {"format": "pt"})
    torch.save(sd, os.path.join(OUT, "resnet20_trained.pt"))

    images, _ = synthetic_images(4, seed=2)
    x = normalise(images)
    bn = model.layer2[0].bn1
    before = (bn.running_mean.clone(), bn.running_var.clone())
    logits_eval, logits_train, features = parity(model, x)
    after = (bn.running_mean.clone(), bn.running_var.clone())
    bn.running_mean.copy_(before[0])
    bn.running_var.copy_(before[1])
    save_safetensors(os.path.join(OUT, "resnet20_parity.safetensors"), {
        "input": x, "logits_eval": logits_eval, "logits_train": logits_train, "features_eval": features,
        "layer2.0.bn1.running_mean_after_train": after[0], "layer2.0.bn1.running_var_after_train": after[1]})

    # Optimiser parity: from the trained weights, a few steps of each optimiser on one fixed batch. AdamW's eps is
    # large so that no weight sits where |gradient| ~ eps, where float rounding in the gradient flips the update;
    # its weight decay is large so that decoupled decay shows in the weights.
    images, labels = synthetic_images(16, seed=5)
    x, y = normalise(images), torch.from_numpy(labels).long()
    steps = {}
    for name, make in [("sgd", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4)),
                       ("nesterov", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4,
                                                              nesterov=True)),
                       ("adamw", lambda p: torch.optim.AdamW(p, lr=1e-2, betas=(0.9, 0.99), eps=1e-3,
                                                             weight_decay=0.5))]:
        m = reference_models.build("resnet20")
        m.load_state_dict(sd)
        m.train()
        opt = make(m.parameters())
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y, label_smoothing=0.1 if name == "adamw" else 0.0)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        steps[name + ".losses"] = torch.tensor(losses)
        steps[name + ".conv1.weight"] = m.state_dict()["conv1.weight"]
        steps[name + ".fc.weight"] = m.state_dict()["fc.weight"]
        steps[name + ".layer3.2.bn2.running_var"] = m.state_dict()["layer3.2.bn2.running_var"]
    steps["input"] = x
    steps["labels"] = y
    save_safetensors(os.path.join(OUT, "optimizer_steps.safetensors"), steps)
    print("optimiser steps", {k: v.tolist() for k, v in steps.items() if k.endswith("losses")})

    # Models with formula weights: only inputs and logits are committed.
    cases = [("resnet18", 32, {}), ("resnet50", 32, {}), ("imagenet_resnet18", 64, {}),
             ("preact_resnet18", 32, {}), ("preact_resnet164", 32, {}), ("plain20", 32, {}),
             ("resnet20", 32, {"shortcut": "B"}), ("resnet20", 32, {}), ("resnet20", 28, {"in_channels": 1}),
             ("resnet9", 32, {})]
    for name, size, opts in cases:
        torch.manual_seed(3)
        m = reference_models.build(name, shortcut=opts.get("shortcut"), in_channels=opts.get("in_channels", 3))
        fill_deterministic(m)
        x = torch.randn(2, opts.get("in_channels", 3), size, size)
        le, lt, _ = parity(m, x)
        tag = name + ("_B" if opts.get("shortcut") == "B" else "") + ("_1ch" if "in_channels" in opts else "")
        save_safetensors(os.path.join(OUT, tag + "_deterministic.safetensors"),
                         {"input": x, "logits_eval": le, "logits_train": lt})
        print("%-22s logits %s" % (tag, [round(v, 4) for v in le[0, :4].tolist()]))

    # End-to-end eval: CIFAR-binary records and PyTorch's figures on them.
    eval_dir = os.path.join(OUT, "cifar_eval")
    os.makedirs(eval_dir, exist_ok=True)
    model.load_state_dict(sd)  # undo the train-mode pass's updates to the BN statistics
    images, labels = synthetic_images(250, seed=4)
    write_cifar_records(os.path.join(eval_dir, "test_batch.bin"), images, labels)
    model.eval()
    with torch.no_grad():
        logits = model(normalise(images))
        y = torch.from_numpy(labels).long()
        loss = F.cross_entropy(logits, y).item()
        top5 = logits.topk(5, 1).indices
        top1 = (top5[:, 0] == y).float().mean().item()
        top5 = (top5 == y[:, None]).any(1).float().mean().item()
    expected = {"loss": loss, "top1": top1, "top5": top5, "n": len(labels)}
    with open(os.path.join(OUT, "eval_expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
    print("eval fixture", expected)


if __name__ == "__main__":
    main()
