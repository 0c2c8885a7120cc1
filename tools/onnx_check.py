#!/usr/bin/env python3
"""Checks ONNX files that resnet4j exported against the onnx package, ONNX Runtime and PyTorch's own exporter.

    python tools/onnx_check.py CASES.json

CASES.json lists cases: {"model": NAME, "shortcut": "A"|"B"|"NONE", "weights": W.pt, "inputs": X.npy,
"shape": [C, H, W], "onnx": [FILE.onnx, ...]}. For each ONNX file: onnx.checker.check_model(full_check=True), then
its logits from ONNX Runtime (CPU) on the inputs (N rows of C*H*W floats). Then the PyTorch equivalent
(tools/reference_models.py) with the weights loaded strictly: its eval-mode logits, and the logits of what
torch.onnx.export (opset 13, dynamic batch) makes of it, run in ONNX Runtime. Prints one JSON object:
{"versions": {...}, "results": [{"ours": [[[...]]], "torch": [[...]], "torch_onnx": [[...]]}, ...]}, one result per
case. The Java test OnnxPythonInteropTest runs it and compares the numbers.
"""
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402


def run_onnx(path, x):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def check(case, tmp):
    c, h, w = case["shape"]
    x = np.load(case["inputs"]).astype(np.float32).reshape(-1, c, h, w)
    ours = []
    for path in case["onnx"]:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        ours.append(run_onnx(path, x).tolist())

    state = torch.load(case["weights"], weights_only=True)
    model = reference_models.build(case["model"], num_classes=state["fc.weight"].shape[0], in_channels=c,
                                   shortcut=case["shortcut"])
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x)).numpy()

    exported = os.path.join(tmp, "torch.onnx")
    # the TorchScript-based exporter: the dynamo one needs onnxscript, which the project's venv does not have
    torch.onnx.export(model, (torch.from_numpy(x[:1]),), exported, opset_version=13, dynamo=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(exported), full_check=True)
    return {"ours": ours, "torch": logits.tolist(), "torch_onnx": run_onnx(exported, x).tolist()}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        results = [check(case, tmp) for case in cases]
    print(json.dumps({
        "versions": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "torch": torch.__version__},
        "results": results}))


if __name__ == "__main__":
    main()
