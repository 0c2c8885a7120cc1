package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.engine.EngineSettings;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ResNet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the weights of a checkpoint (or any weights file) as a plain PyTorch state dict:"
                + " safetensors, or a .pt/.pth file that torch.load reads.")
final class ExportCommand extends SettingsCommand implements Callable<Integer> {

    @Mixin
    WeightsOptions source;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "FILE.safetensors (with the model's description) or FILE.pt / FILE.pth")
    Path out;

    @Option(names = "--json", description = "print one JSON object describing what was written")
    boolean json;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        boolean torchSave = Weights.isTorchSaveName(out);
        if (!torchSave && !out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new IllegalArgumentException("--out must end in .safetensors, .pt or .pth");
        }
        if (Files.exists(out) && Files.exists(source.weights) && Files.isSameFile(out, source.weights)) {
            throw new IllegalArgumentException("--out " + out + " is the --weights file itself; export to another file");
        }
        settings(EngineSettings.class).start();
        ModelLoader.LoadedModel loaded = source.load();
        ResNet net = loaded.net();
        Weights.save(net, loaded.classNames(), loaded.preprocessing(), out);
        String format = torchSave ? "torch.save" : "safetensors";
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.object();
            o.put("model", net.options().name());
            o.put("classes", net.options().numClasses());
            o.put("parameters", net.parameterCount());
            o.put("format", format);
            o.put("out", out.toString());
            o.put("bytes", Files.size(out));
            Json.print(w, o);
            return 0;
        }
        w.printf(Locale.ROOT, "wrote the %s state dict (%,d parameters, %d classes) to %s as %s%n",
                net.options().name(), net.parameterCount(), net.options().numClasses(), out, format);
        w.println(torchSave
                ? "PyTorch: model.load_state_dict(torch.load(\"" + out + "\")); resnet4j needs --model "
                        + net.options().name() + " to read it back"
                : "PyTorch: model.load_state_dict(safetensors.torch.load_file(\"" + out + "\"))");
        return 0;
    }
}
