#!/usr/bin/env python3
"""Evaluates an ONNX file that resnet4j exported with ONNX Runtime alone, on the CIFAR-10 test records.

    .venv/bin/python docs/examples/onnx_eval_cifar.py resnet20.onnx ../shared/datasets/cifar-10-batches-bin/test_batch.bin

The input preparation comes from the file's metadata: pixels scaled to [0, 1], then (x - mean) / std unless the
graph does that itself (exported with --normalize-in-graph). A file exported from a bare PyTorch state dict records
no normalisation; the reference program's CIFAR-10 statistics stand in for it.
"""
import json
import sys

import numpy as np
import onnxruntime as ort

session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
meta = session.get_modelmeta().custom_metadata_map
classes = json.loads(meta.get("class_names", "[]"))
mean = np.array(json.loads(meta.get("mean", "[0.4914, 0.4822, 0.4465]")), np.float32).reshape(1, 3, 1, 1)
std = np.array(json.loads(meta.get("std", "[0.2023, 0.1994, 0.2010]")), np.float32).reshape(1, 3, 1, 1)

raw = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, 3073)
x = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255
if meta.get("input_normalized_in_graph") != "true":
    x = (x - mean) / std
y = raw[:, 0].astype(np.int64)

logits = np.concatenate([session.run(None, {"input": x[i:i + 500]})[0] for i in range(0, len(x), 500)])
shifted = logits - logits.max(1, keepdims=True)
log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
loss = -log_probs[np.arange(len(y)), y].mean()
print(f"ONNX Runtime {ort.__version__} ({meta.get('model', '?')}, {len(classes) or logits.shape[1]} classes):"
      f" loss {loss:.4f}, top-1 {(logits.argmax(1) == y).mean():.2%} on {len(y)} images")
