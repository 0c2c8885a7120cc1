"""PyTorch's own DistributedDataParallel on the inputs of resnet4j's data-parallel test (DataParallelTest).

Run under torchrun: torchrun --nproc-per-node 2 tools/ddp_reference.py INPUTS OUT STEPS train|eval LR
INPUTS (safetensors) holds the initial weights as model.* and the batches x<k>, y<k>; rank r of w takes rows
[r*n/w, (r+1)*n/w) of each, SGD at learning rate LR, momentum 0.9 weight decay 5e-4, broadcast_buffers on (DDP's default).
Rank 0 writes the final state dict to OUT.
"""
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402


def main():
    inputs, out, steps, mode, lr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    t = load_file(inputs)
    net = reference_models.build("resnet20")
    net.load_state_dict({k[len("model."):]: v for k, v in t.items() if k.startswith("model.")})
    net.train(mode == "train")
    ddp = DistributedDataParallel(net, broadcast_buffers=True)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    for k in range(steps):
        x, y = t[f"x{k}"], t[f"y{k}"]
        n = x.shape[0]
        lo, hi = n * rank // world, n * (rank + 1) // world
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(ddp(x[lo:hi]), y[lo:hi]).backward()
        opt.step()
    if rank == 0:
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
