package org.resnet4j.model;

import static org.resnet4j.model.BlockType.BASIC;
import static org.resnet4j.model.BlockType.BOTTLENECK;
import static org.resnet4j.model.BlockType.PREACT_BASIC;
import static org.resnet4j.model.BlockType.PREACT_BOTTLENECK;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Every named ResNet, declared as data. */
public final class Variants {
    public static final String CIFAR = "cifar";
    public static final String IMAGENET = "imagenet";
    public static final String PAPER = "paper-cifar";
    public static final String PLAIN = "plain";
    public static final String PREACT = "preact";
    public static final String COMPACT = "compact";

    private static final int[] WIDE = {64, 128, 256, 512};
    private static final int[] NARROW = {16, 32, 64};
    private static final Shape CIFAR_INPUT = new Shape(3, 32, 32);
    private static final Shape IMAGENET_INPUT = new Shape(3, 224, 224);

    private static final Map<String, Architecture> TABLE = new LinkedHashMap<>();

    static {
        // The reference program's CIFAR nets (kuangliu-style): 3×3 stem, no pooling, projection "shortcut".
        cifar("resnet18", BASIC, 2, 2, 2, 2);
        cifar("resnet34", BASIC, 3, 4, 6, 3);
        cifar("resnet50", BOTTLENECK, 3, 4, 6, 3);
        cifar("resnet101", BOTTLENECK, 3, 4, 23, 3);
        cifar("resnet152", BOTTLENECK, 3, 8, 36, 3);
        // torchvision's ImageNet nets: 7×7 stem and max-pool, projection "downsample".
        imagenet("imagenet_resnet18", BASIC, 2, 2, 2, 2);
        imagenet("imagenet_resnet34", BASIC, 3, 4, 6, 3);
        imagenet("imagenet_resnet50", BOTTLENECK, 3, 4, 6, 3);
        imagenet("imagenet_resnet101", BOTTLENECK, 3, 4, 23, 3);
        imagenet("imagenet_resnet152", BOTTLENECK, 3, 8, 36, 3);
        // The paper's 6n+2 CIFAR nets (section 4.2), and their plain twins.
        for (int n : new int[] {3, 5, 7, 9, 18, 200}) {
            paper("resnet" + (6 * n + 2), PAPER, BASIC, Shortcut.A, n,
                    "He et al. 2015 CIFAR net, 6n+2 with n=" + n + ", option A shortcuts");
        }
        for (int n : new int[] {3, 5, 7, 9, 18}) {
            paper("plain" + (6 * n + 2), PLAIN, BASIC, Shortcut.NONE, n,
                    "the paper's plain counterpart of resnet" + (6 * n + 2) + ": the same layers, no shortcuts");
        }
        // Pre-activation nets (He et al. 2016): on the reference program's layout, and on the 6n+2 / 9n+2 layout.
        preact("preact_resnet18", PREACT_BASIC, WIDE, 2, 2, 2, 2);
        preact("preact_resnet34", PREACT_BASIC, WIDE, 3, 4, 6, 3);
        preact("preact_resnet50", PREACT_BOTTLENECK, WIDE, 3, 4, 6, 3);
        preact("preact_resnet101", PREACT_BOTTLENECK, WIDE, 3, 4, 23, 3);
        preact("preact_resnet152", PREACT_BOTTLENECK, WIDE, 3, 8, 36, 3);
        for (int n : new int[] {3, 9, 18}) {
            preact("preact_resnet" + (6 * n + 2), PREACT_BASIC, NARROW, n, n, n);
        }
        preact("preact_resnet164", PREACT_BOTTLENECK, NARROW, 18, 18, 18);
        preact("preact_resnet1001", PREACT_BOTTLENECK, NARROW, 111, 111, 111);
        // A compact net for fast training (Page's DAWNBench ResNet-9 layout): 64-channel stem, then stages that
        // open with conv → BN → ReLU → max-pool and hold one, none and one residual block.
        add(new Architecture("resnet9", COMPACT, Stem.CIFAR, 64, BASIC, new int[] {1, 0, 1}, new int[] {128, 256, 512},
                true, Shortcut.B, "shortcut", InitScheme.PYTORCH, 10, CIFAR_INPUT,
                "ResNet-9 (Page's DAWNBench layout): pooling transitions, residual blocks in stages 1 and 3"));
    }

    private Variants() {
    }

    private static void cifar(String name, BlockType block, int... stages) {
        add(new Architecture(name, CIFAR, Stem.CIFAR, 64, block, stages, WIDE, false, Shortcut.B, "shortcut",
                InitScheme.PYTORCH, 10, CIFAR_INPUT, "the reference program's CIFAR " + name));
    }

    private static void imagenet(String name, BlockType block, int... stages) {
        add(new Architecture(name, IMAGENET, Stem.IMAGENET, 64, block, stages, WIDE, false, Shortcut.B, "downsample",
                InitScheme.TORCHVISION, 1000, IMAGENET_INPUT, "torchvision's " + name.substring(IMAGENET.length() + 1)));
    }

    private static void paper(String name, String family, BlockType block, Shortcut shortcut, int n, String text) {
        add(new Architecture(name, family, Stem.CIFAR, NARROW[0], block, new int[] {n, n, n}, NARROW, false, shortcut,
                "shortcut", InitScheme.HE, 10, CIFAR_INPUT, text));
    }

    private static void preact(String name, BlockType block, int[] widths, int... stages) {
        boolean narrow = widths == NARROW;
        add(new Architecture(name, PREACT, Stem.CIFAR, widths[0], block, stages, widths, false, Shortcut.B, "shortcut",
                narrow ? InitScheme.HE : InitScheme.PYTORCH, 10, CIFAR_INPUT,
                "pre-activation (He et al. 2016) on the " + (narrow ? "paper's CIFAR layout" : "reference program's layout")));
    }

    private static void add(Architecture a) {
        TABLE.put(a.name(), a);
    }

    /** The architecture called {@code name} (case-insensitive), or an error listing the known names. */
    public static Architecture get(String name) {
        Architecture a = TABLE.get(name.trim().toLowerCase(Locale.ROOT));
        if (a == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known models: "
                    + String.join(", ", TABLE.keySet()));
        }
        return a;
    }

    public static Collection<Architecture> all() {
        return Collections.unmodifiableCollection(TABLE.values());
    }
}
