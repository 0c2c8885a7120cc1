package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.DatasetStats;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.PipelineBenchmark;
import org.resnet4j.data.Split;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Inspect, download and benchmark datasets.",
        subcommands = {DataCommand.Info.class, DataCommand.Download.class, DataCommand.Bench.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: info,"
                + " download or bench");
    }

    /** Folders and synthetic data default to 3x32x32 here; training brings them to the model's input. */
    private static final Shape DEFAULT_INPUT = new Shape(3, 32, 32);

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Splits, image shape, images per class and pixel statistics of a dataset.")
    static final class Info extends SettingsCommand implements Callable<Integer> {
        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @Override
        List<Class<? extends Record>> settingsTypes() {
            return List.of(DataSettings.class);
        }

        @Override
        public Integer call() throws Exception {
            DataConfig c = settings(DataSettings.class).resolve(DEFAULT_INPUT);
            Datasets.Listener listener = new DownloadProgress(spec.commandLine().getErr());
            List<Object[]> parts = new ArrayList<>();
            String validation;
            if (c.kind() == DatasetKind.FOLDER && !Datasets.isSplitFolder(c)) {
                // A plain folder of class folders is something to evaluate or predict on, not to train on.
                parts.add(new Object[] {"images", Datasets.load(c, Split.TEST, listener)});
                validation = "no train/ and test/ sub-folders: usable by eval and predict, not by train";
            } else {
                Datasets.Splits s = Datasets.forTraining(c, listener);
                parts.add(new Object[] {"train", s.train()});
                if (s.val() != null) {
                    parts.add(new Object[] {"val", s.val()});
                }
                parts.add(new Object[] {"test", s.test()});
                validation = s.validation();
            }
            PrintWriter out = spec.commandLine().getOut();
            ObjectNode o = Json.object();
            o.put("dataset", c.kind().id());
            o.put("root", c.root().toString());
            Dataset first = (Dataset) parts.get(0)[1];
            o.putArray("shape").add(first.channels()).add(first.height()).add(first.width());
            first.classNames().forEach(o.putArray("classes")::add);
            o.put("validation", validation);
            ObjectNode splits = o.putObject("splits");
            for (Object[] p : parts) {
                DatasetStats st = DatasetStats.of((Dataset) p[1]);
                ObjectNode n = splits.putObject((String) p[0]);
                n.put("images", st.size());
                ArrayNode counts = n.putArray("per_class");
                for (int v : st.perClass()) {
                    counts.add(v);
                }
                ArrayNode mean = n.putArray("mean");
                ArrayNode std = n.putArray("std");
                for (int ch = 0; ch < st.mean().length; ch++) {
                    mean.add(round(st.mean()[ch]));
                    std.add(round(st.std()[ch]));
                }
            }
            if (json) {
                Json.print(out, o);
                return 0;
            }
            out.printf("%s in %s: %s images, %d classes%n", c.kind().id(), c.root(), shape(first),
                    first.numClasses());
            out.println(validation);
            for (Object[] p : parts) {
                ObjectNode n = (ObjectNode) splits.get((String) p[0]);
                out.printf(Locale.ROOT, "%-5s %6d images, mean %s, std %s%n", p[0], n.get("images").asInt(),
                        n.get("mean"), n.get("std"));
            }
            out.println("images per class:");
            for (int k = 0; k < first.numClasses(); k++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-14s", first.classNames().get(k)));
                for (Object[] p : parts) {
                    line.append(String.format(Locale.ROOT, " %s %6d", p[0],
                            splits.get((String) p[0]).get("per_class").get(k).asInt()));
                }
                out.println(line);
            }
            return 0;
        }

        private static double round(double v) {
            return Math.round(v * 10000) / 10000.0;
        }

        private static String shape(Dataset d) {
            return d.channels() + "x" + d.height() + "x" + d.width();
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = "Fetch, verify and unpack an official dataset (CIFAR-10/100, MNIST, Fashion-MNIST).")
    static final class Download extends SettingsCommand implements Callable<Integer> {
        @Override
        List<Class<? extends Record>> settingsTypes() {
            return List.of(DataSettings.class);
        }

        @Override
        public Integer call() throws Exception {
            DataConfig c = settings(DataSettings.class).resolve(DEFAULT_INPUT);
            Datasets.Listener l = new DownloadProgress(spec.commandLine().getErr());
            Dataset train = Datasets.load(c, Split.TRAIN, l);
            Dataset test = Datasets.load(c, Split.TEST, l);
            spec.commandLine().getOut().printf("%s ready in %s: %d training and %d test images%n", c.kind().id(),
                    c.root(), train.size(), test.size());
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Throughput of the input pipeline alone (shuffle, augment, normalise, copy to native).")
    static final class Bench extends SettingsCommand implements Callable<Integer> {

        @Option(names = "--workers", paramLabel = "N[,N...]", split = ",", defaultValue = "1,2",
                description = "worker counts to measure (default ${DEFAULT-VALUE})")
        List<Integer> workers;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "128",
                description = "images per batch (default ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--batches", paramLabel = "N", defaultValue = "400",
                description = "timed batches per measurement (default ${DEFAULT-VALUE})")
        int batches;

        @Option(names = "--channels-last", description = "assemble NHWC batches, as channels-last training uses")
        boolean channelsLast;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @Override
        List<Class<? extends Record>> settingsTypes() {
            return List.of(DataSettings.class, EngineSettings.class);
        }

        @Override
        Set<String> excludedSettings() {
            return Set.of("dataWorkers"); // --workers takes the counts to measure
        }

        @Override
        public Integer call() throws Exception {
            settings(EngineSettings.class).start();
            DataConfig c = settings(DataSettings.class).resolve(DEFAULT_INPUT);
            Dataset train = Datasets.load(c, Split.TRAIN, new DownloadProgress(spec.commandLine().getErr()));
            PrintWriter out = spec.commandLine().getOut();
            ObjectNode o = Json.object();
            o.put("dataset", c.kind().id());
            o.put("augmentation", c.augmentation().toString());
            o.put("batch_size", batchSize);
            o.put("channels_last", channelsLast);
            ArrayNode results = o.putArray("results");
            for (int w : workers) {
                DataLoader.Options opts = new DataLoader.Options(batchSize, true, true, w, 2 * w, 1,
                        c.normalization(), c.augmentation(), channelsLast);
                PipelineBenchmark.Result r = PipelineBenchmark.run(train, opts, batches, Math.min(20, batches));
                ObjectNode n = results.addObject();
                n.put("workers", w);
                n.put("images", r.images());
                n.put("seconds", r.seconds());
                n.put("images_per_second", r.imagesPerSecond());
                if (!json) {
                    out.printf(Locale.ROOT, "%s, %s, batch %d, %d worker(s): %.0f images/s (%d images in %.2f s)%n",
                            c.kind().id(), c.augmentation(), batchSize, w, r.imagesPerSecond(), r.images(),
                            r.seconds());
                }
            }
            if (json) {
                o.put("images_per_second", results.get(0).get("images_per_second").asDouble());
                Json.print(out, o);
            }
            return 0;
        }
    }
}
