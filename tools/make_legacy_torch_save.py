"""Writes the fixtures of TorchSaveLegacyTest with PyTorch itself: one small generated state dict saved twice, in
torch.save's legacy format (PyTorch before 1.6: magic number, protocol, sys_info, the pickle, the storage keys, the
raw storages) and in the zip format, so the test can check that both read back as the same tensors.

    .venv/bin/python tools/make_legacy_torch_save.py src/test/resources/fixtures
"""
import collections
import sys

import torch


def main(out):
    g = torch.Generator().manual_seed(20)
    conv = torch.randn(4, 3, 3, 3, generator=g)
    sd = collections.OrderedDict()
    sd["conv1.weight"] = conv
    sd["bn1.weight"] = torch.rand(4, generator=g)
    sd["bn1.running_var"] = torch.rand(4, generator=g, dtype=torch.float64)
    sd["bn1.num_batches_tracked"] = torch.tensor(7)
    sd["fc.weight"] = torch.randn(5, 6, generator=g).t()  # a transposed view: strides (1, 6)
    sd["fc.bias"] = conv.view(-1)[10:15]  # a view into conv1's storage at an offset
    sd["half"] = torch.randn(3, generator=g).half()
    torch.save(sd, f"{out}/legacy-state-dict.pt", _use_new_zipfile_serialization=False)
    torch.save(sd, f"{out}/legacy-state-dict-zip.pt")


if __name__ == "__main__":
    main(sys.argv[1])
