package org.resnet4j.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.Callable;

import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.Devices;
import org.resnet4j.engine.Engine;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Versions, threads, the CPU features libtorch uses, and its devices (CUDA and cuDNN versions).")
final class InfoCommand extends SettingsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "print one JSON object")
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
    public Integer call() {
        settings(EngineSettings.class).start();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("resnet4j", VersionProvider.resnet4jVersion());
        info.put("libtorch", Engine.libtorchVersion());
        info.put("javacpp_presets", Engine.pytorchVersion());
        info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        info.put("cores", Runtime.getRuntime().availableProcessors());
        info.put("threads", Engine.threads());
        info.put("cpu_capability", Engine.cpuCapability());
        info.put("mkldnn", Engine.hasMkldnn() ? Engine.mkldnnVersion() : "unavailable");
        var caches = Engine.oneDnnCaches();
        info.put("onednn_caches", caches.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": "
                + caches.detail());
        info.putAll(Devices.describe());
        info.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        var out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, info);
        } else {
            info.forEach((k, v) -> out.printf("%-16s %s%n", k, v));
        }
        return 0;
    }
}
