"""PyTorch equivalents of resnet4j's variants, with the same state-dict names.

The CIFAR family is the reference program's (kuangliu-style) code with the classifier named `fc`; the 6n+2 family
follows the common PyTorch port of the paper (option A pads half the new channels in front, half behind);
the ImageNet family is torchvision's. Used by make_fixtures.py and the benchmark scripts.
"""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1, shortcut="B", shortcut_name="shortcut"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        keep(self, make_shortcut(self, in_planes, planes * self.expansion, stride, shortcut, shortcut_name, True))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.sc is not None:
            out = out + self.sc(x)
        return F.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_planes, planes, stride=1, shortcut="B", shortcut_name="shortcut"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        keep(self, make_shortcut(self, in_planes, planes * self.expansion, stride, shortcut, shortcut_name, True))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.sc is not None:
            out = out + self.sc(x)
        return F.relu(out)


class PreActBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1, shortcut="B", shortcut_name="shortcut"):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        keep(self, make_shortcut(self, in_planes, planes, stride, shortcut, shortcut_name, False))

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        out = self.conv1(pre)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + self.sc(pre if isinstance(self.sc, nn.Sequential) else x)


class PreActBottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_planes, planes, stride=1, shortcut="B", shortcut_name="shortcut"):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        keep(self, make_shortcut(self, in_planes, planes * 4, stride, shortcut, shortcut_name, False))

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        out = self.conv1(pre)
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        return out + self.sc(pre if isinstance(self.sc, nn.Sequential) else x)


class ZeroPad(nn.Module):
    """Option A: subsample by the stride, zero-pad half the new channels in front and half behind."""

    def __init__(self, in_planes, out_planes, stride):
        super().__init__()
        self.stride = stride
        extra = out_planes - in_planes
        self.front, self.back = extra // 2, extra - extra // 2

    def forward(self, x):
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.front, self.back))


class Identity(nn.Module):
    def forward(self, x):
        return x


def make_shortcut(block, in_planes, out_planes, stride, kind, name, with_bn):
    if kind == "NONE":
        return None
    if stride == 1 and in_planes == out_planes:
        return Identity()
    if kind == "A":
        return ZeroPad(in_planes, out_planes, stride)
    layers = [nn.Conv2d(in_planes, out_planes, 1, stride, bias=False)]
    if with_bn:
        layers.append(nn.BatchNorm2d(out_planes))
    seq = nn.Sequential(*layers)
    setattr(block, name, seq)  # registers it under the PyTorch name the family uses
    return seq


def keep(block, shortcut):
    """Holds the shortcut without registering it a second time (make_shortcut registered a projection)."""
    block.__dict__["sc"] = shortcut


class Transition(nn.Module):
    """ResNet-9's stage opening: conv3x3 -> BN -> ReLU -> max-pool 2."""

    def __init__(self, in_planes, planes):
        super().__init__()
        self.conv = nn.Conv2d(in_planes, planes, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(planes)

    def forward(self, x):
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)


class ResNet(nn.Module):
    def __init__(self, block, stage_sizes, widths, num_classes=10, in_channels=3, stem="cifar", shortcut="B",
                 shortcut_name="shortcut", stem_width=None, transitions=False):
        super().__init__()
        preact = block in (PreActBlock, PreActBottleneck)
        self.stem_kind = stem
        width = stem_width or (64 if stem == "imagenet" else widths[0])
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = None if preact else nn.BatchNorm2d(width)
        in_planes = width
        for i, (n, w) in enumerate(zip(stage_sizes, widths)):
            blocks = []
            if transitions:
                blocks.append(("transition", Transition(in_planes, w)))
                in_planes = w
            for b in range(n):
                stride = 2 if b == 0 and i > 0 and not transitions else 1
                blocks.append((str(b), block(in_planes, w, stride, shortcut, shortcut_name)))
                in_planes = w * block.expansion
            setattr(self, "layer%d" % (i + 1), nn.Sequential(OrderedDict(blocks)))
        self.n_stages = len(stage_sizes)
        self.post_bn = nn.BatchNorm2d(in_planes) if preact else None
        self.fc = nn.Linear(in_planes, num_classes)

    def features(self, x):
        out = self.conv1(x)
        if self.bn1 is not None:
            out = F.relu(self.bn1(out))
        if self.stem_kind == "imagenet":
            out = F.max_pool2d(out, 3, 2, 1)
        for i in range(self.n_stages):
            out = getattr(self, "layer%d" % (i + 1))(out)
        if self.post_bn is not None:
            out = F.relu(self.post_bn(out))
        return F.adaptive_avg_pool2d(out, 1).flatten(1)

    def forward(self, x):
        return self.fc(self.features(x))


WIDE = [64, 128, 256, 512]
NARROW = [16, 32, 64]
DEPTHS = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3]),
          101: (Bottleneck, [3, 4, 23, 3]), 152: (Bottleneck, [3, 8, 36, 3])}
PREACT = {BasicBlock: PreActBlock, Bottleneck: PreActBottleneck}


def build(name, num_classes=None, in_channels=3, shortcut=None):
    """The PyTorch model that resnet4j calls `name`."""
    if name == "resnet9":
        return ResNet(BasicBlock, [1, 0, 1], [128, 256, 512], num_classes or 10, in_channels, "cifar",
                      shortcut or "B", stem_width=64, transitions=True)
    if name.startswith("imagenet_resnet"):
        block, sizes = DEPTHS[int(name[len("imagenet_resnet"):])]
        return ResNet(block, sizes, WIDE, num_classes or 1000, in_channels, "imagenet", shortcut or "B", "downsample")
    if name.startswith("preact_resnet"):
        depth = int(name[len("preact_resnet"):])
        if depth in DEPTHS:
            block, sizes = DEPTHS[depth]
            return ResNet(PREACT[block], sizes, WIDE, num_classes or 10, in_channels, "cifar", shortcut or "B")
        if depth in (164, 1001):
            n = (depth - 2) // 9
            return ResNet(PreActBottleneck, [n] * 3, NARROW, num_classes or 10, in_channels, "cifar", shortcut or "B")
        n = (depth - 2) // 6
        return ResNet(PreActBlock, [n] * 3, NARROW, num_classes or 10, in_channels, "cifar", shortcut or "B")
    if name.startswith("plain"):
        n = (int(name[len("plain"):]) - 2) // 6
        return ResNet(BasicBlock, [n] * 3, NARROW, num_classes or 10, in_channels, "cifar", "NONE")
    depth = int(name[len("resnet"):])
    if depth in DEPTHS:
        block, sizes = DEPTHS[depth]
        return ResNet(block, sizes, WIDE, num_classes or 10, in_channels, "cifar", shortcut or "B")
    n = (depth - 2) // 6
    return ResNet(BasicBlock, [n] * 3, NARROW, num_classes or 10, in_channels, "cifar", shortcut or "A")


if __name__ == "__main__":
    for name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "imagenet_resnet18",
                 "imagenet_resnet50", "resnet20", "resnet110", "plain20", "preact_resnet18", "preact_resnet34",
                 "preact_resnet50", "preact_resnet20", "preact_resnet110", "preact_resnet164", "resnet9"]:
        m = build(name)
        print(name, sum(p.numel() for p in m.parameters()))
