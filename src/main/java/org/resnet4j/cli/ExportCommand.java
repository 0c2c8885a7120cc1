package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.engine.EngineSettings;
import org.resnet4j.io.ExportFormat;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.Weights;
import org.resnet4j.io.onnx.OnnxExport;
import org.resnet4j.model.ResNet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the weights of a checkpoint (or any weights file) as a plain PyTorch state dict"
                + " (safetensors, or a .pt/.pth file that torch.load reads), or the whole model as ONNX.")
final class ExportCommand extends SettingsCommand implements Callable<Integer> {

    @Mixin
    WeightsOptions source;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "FILE.safetensors (with the model's description), FILE.pt / FILE.pth or FILE.onnx")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "safetensors, torch or onnx (default: the one --out's ending names)")
    String format;

    @Option(names = "--fold-bn", negatable = true, description = "ONNX: fold BatchNorm into the convolutions"
            + " (default: on; --no-fold-bn keeps BatchNormalization nodes)")
    Boolean foldBn;

    @Option(names = "--normalize-in-graph", description = "ONNX: put the input normalisation at the front of the"
            + " graph, so the model takes pixels scaled to [0, 1]")
    boolean normalizeInGraph;

    @Option(names = "--json", description = "print one JSON object describing what was written")
    boolean json;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class);
    }

    @Override
    Set<String> excludedSettings() {
        return EngineSettings.DEVICE_SETTINGS; // runs on the CPU whatever the device
    }

    @Override
    public Integer call() throws Exception {
        ExportFormat f = ExportFormat.choose(format, out);
        if (f != ExportFormat.ONNX && (foldBn != null || normalizeInGraph)) {
            throw new IllegalArgumentException("--[no-]fold-bn and --normalize-in-graph apply to ONNX exports");
        }
        Path dir = out.toAbsolutePath().getParent();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + out + ": " + dir + " is not a directory");
        }
        if (Files.exists(out) && Files.exists(source.weights) && Files.isSameFile(out, source.weights)) {
            throw new IllegalArgumentException("--out " + out + " is the --weights file itself; export to another file");
        }
        settings(EngineSettings.class).start();
        ModelLoader.LoadedModel loaded = source.load();
        ResNet net = loaded.net();
        if (f == ExportFormat.ONNX) {
            OnnxExport.Options options = new OnnxExport.Options(foldBn == null || foldBn, normalizeInGraph);
            OnnxExport.write(net, loaded.classNames(), loaded.preprocessing(), options, out,
                    VersionProvider.resnet4jVersion());
            return reportOnnx(net, options);
        }
        Weights.save(net, loaded.classNames(), loaded.preprocessing(), out);
        boolean torchSave = f == ExportFormat.TORCH;
        String written = torchSave ? "torch.save" : "safetensors";
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Json.print(w, written(net, written));
            return 0;
        }
        w.printf(Locale.ROOT, "wrote the %s state dict (%,d parameters, %d classes) to %s as %s%n",
                net.options().name(), net.parameterCount(), net.options().numClasses(), out, written);
        w.println(torchSave
                ? "PyTorch: model.load_state_dict(torch.load(\"" + out + "\")); resnet4j needs --model "
                        + net.options().name() + " to read it back"
                : "PyTorch: model.load_state_dict(safetensors.torch.load_file(\"" + out + "\"))");
        return 0;
    }

    private int reportOnnx(ResNet net, OnnxExport.Options options) throws java.io.IOException {
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = written(net, "onnx");
            o.put("opset", OnnxExport.OPSET);
            o.put("batchnorm_folded", options.foldBatchNorm());
            o.put("normalize_in_graph", options.normalizeInGraph());
            Json.print(w, o);
            return 0;
        }
        w.printf(Locale.ROOT, "wrote the %s ONNX model (opset %d, %,d parameters, %d classes, BatchNorm %s%s) to %s%n",
                net.options().name(), OnnxExport.OPSET, net.parameterCount(), net.options().numClasses(),
                options.foldBatchNorm() ? "folded" : "kept", options.normalizeInGraph() ? ", normalisation in the graph"
                        : "", out);
        w.println("check it: resnet4j eval --weights " + out + "; Python: onnxruntime.InferenceSession(\"" + out
                + "\").run(None, {\"input\": x})");
        return 0;
    }

    /** What was written, in the fields every format reports (ONNX adds its own). */
    private ObjectNode written(ResNet net, String format) throws java.io.IOException {
        ObjectNode o = Json.object();
        o.put("model", net.options().name());
        o.put("classes", net.options().numClasses());
        o.put("parameters", net.parameterCount());
        o.put("format", format);
        o.put("out", out.toString());
        o.put("bytes", Files.size(out));
        return o;
    }
}
