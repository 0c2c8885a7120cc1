package org.resnet4j.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The formats a model can be exported to, each with the file-name endings that name it. */
public enum ExportFormat {
    /** A state dict with the model's description in the metadata. */
    SAFETENSORS("safetensors", ".safetensors"),
    /** A state dict in {@code torch.save}'s own format. */
    TORCH("torch", ".pt", ".pth"),
    /** The whole model as an ONNX graph (io.onnx.OnnxExport). */
    ONNX("onnx", ".onnx");

    private final String id;
    private final List<String> endings;

    ExportFormat(String id, String... endings) {
        this.id = id;
        this.endings = List.of(endings);
    }

    public String id() {
        return id;
    }

    public boolean names(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return endings.stream().anyMatch(name::endsWith);
    }

    /**
     * The format {@code format} names (null: the one {@code out}'s ending names). The safetensors and torch.save
     * writers tell their formats apart by the ending, so those need theirs; an ONNX file may be named anything
     * that does not name another format.
     */
    public static ExportFormat choose(String format, Path out) {
        ExportFormat byName = Arrays.stream(values()).filter(f -> f.names(out)).findFirst().orElse(null);
        if (format == null) {
            if (byName == null) {
                throw new IllegalArgumentException("--out must end in .safetensors, .pt, .pth or .onnx (or say"
                        + " --format onnx)");
            }
            return byName;
        }
        ExportFormat f = Arrays.stream(values()).filter(v -> v.id.equalsIgnoreCase(format.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown format '" + format + "'; known formats: "
                        + Arrays.stream(values()).map(ExportFormat::id).collect(Collectors.joining(", "))));
        if (byName != null && byName != f) {
            throw new IllegalArgumentException("--format " + f.id + " but --out " + out.getFileName() + " names a "
                    + byName.id + " file");
        }
        if (byName == null && f != ONNX) {
            throw new IllegalArgumentException("--format " + f.id + " needs --out to end in " + String.join(" or ",
                    f.endings));
        }
        return f;
    }
}
