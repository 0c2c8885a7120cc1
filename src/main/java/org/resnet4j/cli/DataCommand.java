package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.config.Settings;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.DatasetStats;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.ImageFolder;
import org.resnet4j.data.ImageInputSettings;
import org.resnet4j.data.PipelineBenchmark;
import org.resnet4j.data.Split;
import org.resnet4j.data.StreamingBenchmark;
import org.resnet4j.data.image.ImageReader;
import org.resnet4j.data.shard.ShardLoader;
import org.resnet4j.data.shard.ShardSet;
import org.resnet4j.data.shard.ShardWriter;
import org.resnet4j.data.stream.BadImages;
import org.resnet4j.data.stream.FolderIndex;
import org.resnet4j.data.stream.FolderSource;
import org.resnet4j.data.stream.StreamingLoader;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.TrainTransform;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Inspect, download and benchmark datasets.",
        subcommands = {DataCommand.Info.class, DataCommand.Download.class, DataCommand.Bench.class,
            DataCommand.Pack.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: info,"
                + " download, bench or pack");
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
            description = "Throughput of the input pipeline alone: in-memory data (shuffle, augment, normalise, copy"
                    + " to native), or with --stream / --shards a folder or tar shards decoded per step with"
                    + " RandomResizedCrop + flip + normalise.")
    static final class Bench extends SettingsCommand implements Callable<Integer> {

        @Option(names = "--workers", paramLabel = "N[,N...]", split = ",", defaultValue = "1,2",
                description = "worker counts to measure (default ${DEFAULT-VALUE})")
        List<Integer> workers;

        @Option(names = "--batch-size", paramLabel = "N",
                description = "images per batch (default 128; 64 streamed)")
        Integer batchSize;

        @Option(names = "--batches", paramLabel = "N",
                description = "timed batches per measurement (default 400; 20 streamed)")
        Integer batches;

        @Option(names = "--channels-last", description = "assemble NHWC batches, as channels-last training uses")
        boolean channelsLast;

        @Option(names = "--stream", description = "decode the folder's train/ images per step (--dataset folder)")
        boolean stream;

        @Option(names = "--shards", paramLabel = "DIR", description = "read the train-NNNNNN.tar shards in DIR")
        Path shards;

        @Option(names = "--decoder", paramLabel = "native|imageio", defaultValue = "native",
                description = "JPEG decoder of --stream and --shards (default ${DEFAULT-VALUE})")
        String decoder;

        @Option(names = "--no-dct-scaling", description = "decode JPEGs at full size even when the crop is small")
        boolean noDctScaling;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @Override
        List<Class<? extends Record>> settingsTypes() {
            return List.of(DataSettings.class, ImageInputSettings.class, EngineSettings.class);
        }

        @Override
        Set<String> excludedSettings() {
            Set<String> out = new java.util.HashSet<>(EngineSettings.DEVICE_SETTINGS); // decoding runs on the CPU
            out.add("dataWorkers"); // --workers takes the counts to measure
            return out;
        }

        @Override
        public Integer call() throws Exception {
            settings(EngineSettings.class).start();
            settings(ImageInputSettings.class).apply();
            if (stream || shards != null) {
                return streamed();
            }
            int batchSize = this.batchSize != null ? this.batchSize : 128;
            int batches = this.batches != null ? this.batches : 400;
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

        private Integer streamed() throws Exception {
            if (stream && shards != null) {
                throw new IllegalArgumentException("--stream reads a folder, --shards tar shards: give one");
            }
            int batchSize = this.batchSize != null ? this.batchSize : 64;
            int batches = this.batches != null ? this.batches : 20;
            DataSettings data = settings(DataSettings.class);
            BadImages.Policy policy = settings(ImageInputSettings.class).onBadImage();
            int size = data.imageSize() != null ? data.imageSize() : 224;
            ImageReader.JpegDecoder dec = switch (decoder.toLowerCase(Locale.ROOT)) {
                case "native" -> ImageReader.JpegDecoder.NATIVE;
                case "imageio" -> ImageReader.JpegDecoder.IMAGEIO;
                default -> throw new IllegalArgumentException("--decoder must be native or imageio, not '" + decoder
                        + "'");
            };
            if (dec == ImageReader.JpegDecoder.NATIVE
                    && ImageReader.nativeUnavailable() != null) {
                spec.commandLine().getErr().println("note: native JPEG decoding unavailable ("
                        + ImageReader.nativeUnavailable() + "); using ImageIO");
            }
            TrainTransform t = TrainTransform.imagenet(size)
                    .withDctScaling(!noDctScaling);
            OutputLayout layout = new OutputLayout(
                    DatasetKind.FOLDER.normalization(3), 3, channelsLast);
            PrintWriter err = spec.commandLine().getErr();
            BadImages.Listener reports = (f, r) -> err.println("bad image: " + f + ": " + r);
            ObjectNode o = Json.object();
            String source;
            IntFunction<BatchSource> make;
            if (shards != null) {
                ShardSet set = ShardSet.open(shards, "train");
                source = shards + " (" + set.shards().size() + " shards, " + set.samples() + " images)";
                make = w -> new ShardLoader(set, new ShardLoader
                        .Options(batchSize, true, true, w, 2, 1, 2000, 0, 1, t, layout, policy, dec),
                        reports);
            } else {
                DataConfig c = Settings.with(data, "dataset", DatasetKind.FOLDER).resolve(new Shape(3, size, size));
                Path dir = ImageFolder.splitRoot(c.root(), Split.TRAIN);
                FolderIndex idx = FolderIndex.load(dir, null, true,
                        FolderIndex.Cache.BESIDE_DATA,
                        Runtime.getRuntime().availableProcessors(), err::println);
                source = idx.toString();
                make = w -> new StreamingLoader(new FolderSource(
                        idx), new StreamingLoader.Options(batchSize, true, true, w, 2 * w, 1,
                                t, layout, policy, dec), reports);
            }
            o.put("source", source);
            o.put("transform", t.toString());
            o.put("decoder", dec.name().toLowerCase(Locale.ROOT));
            o.put("batch_size", batchSize);
            o.put("channels_last", channelsLast);
            ArrayNode results = o.putArray("results");
            PrintWriter out = spec.commandLine().getOut();
            for (int w : workers) {
                StreamingBenchmark.Result r;
                try (BatchSource src = make.apply(w)) {
                    Progress p = Progress.start(err, w + " worker(s)", batches, "batches");
                    r = StreamingBenchmark.run(src, batches, Math.max(1, Math.min(2 * w, batches / 4)), p::update);
                    p.finish();
                }
                ObjectNode n = results.addObject();
                n.put("workers", w);
                n.put("images", r.images());
                n.put("seconds", r.seconds());
                n.put("images_per_second", r.imagesPerSecond());
                n.put("images_per_second_per_worker", r.imagesPerSecond() / w);
                n.put("cpu_seconds", r.cpuSeconds());
                n.put("images_per_cpu_second", r.imagesPerCpuSecond());
                if (!json) {
                    out.printf(Locale.ROOT, "%s, %d worker(s): %.0f images/s, %.1f per worker, %.1f per CPU-second"
                            + " (%d images in %.2f s, %.2f CPU-s)%n", shards != null ? "shards" : "folder", w,
                            r.imagesPerSecond(), r.imagesPerSecond() / w, r.imagesPerCpuSecond(), r.images(),
                            r.seconds(), r.cpuSeconds());
                }
            }
            if (json) {
                Json.print(out, o);
            } else {
                out.println(source + "; " + t);
            }
            return 0;
        }
    }

    @Command(name = "pack", mixinStandardHelpOptions = true,
            description = "Pack an image folder into WebDataset tar shards (NNNNNN.jpg + NNNNNN.cls) with a"
                    + " shards.json manifest, for sequential reading.")
    static final class Pack extends SettingsCommand implements Callable<Integer> {

        @Option(names = "--data-dir", paramLabel = "DIR", required = true,
                description = "the image folder (class folders, optionally under train/, val/, test/)")
        Path dataDir;

        @Option(names = "--out", paramLabel = "DIR", required = true, description = "where the shards go")
        Path out;

        @Option(names = "--split", paramLabel = "S[,S...]", split = ",",
                description = "splits to pack (default: every split folder present, or 'train' for a flat folder)")
        List<String> splits;

        @Option(names = "--shard-samples", paramLabel = "N", defaultValue = "10000",
                description = "samples per shard at most (default ${DEFAULT-VALUE})")
        int shardSamples;

        @Option(names = "--shard-size", paramLabel = "BYTES", defaultValue = "1000000000",
                description = "bytes per shard at most (default ${DEFAULT-VALUE})")
        long shardSize;

        @Option(names = "--no-shuffle", description = "keep the folder's order in the training shards")
        boolean noShuffle;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0",
                description = "seed of the training split's shuffle (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @Override
        List<Class<? extends Record>> settingsTypes() {
            return List.of(ImageInputSettings.class);
        }

        @Override
        public Integer call() throws Exception {
            settings(ImageInputSettings.class).apply();
            PrintWriter err = spec.commandLine().getErr();
            List<String> todo = splits;
            boolean hasSplits = ImageFolder.hasSplitFolders(dataDir);
            if (todo == null) {
                todo = new ArrayList<>();
                for (Split s : Split.values()) {
                    if (!hasSplits || Files.isDirectory(dataDir.resolve(s.label()))) {
                        todo.add(s.label());
                    }
                    if (!hasSplits) {
                        break;
                    }
                }
            }
            Path trainDir = hasSplits ? dataDir.resolve("train") : dataDir;
            List<String> classes = ImageFolder.classNames(trainDir);
            ObjectNode o = Json.object();
            ObjectNode res = o.putObject("splits");
            long skippedTotal = 0;
            for (String split : todo) {
                Split s = Split.parse(split);
                Path dir = hasSplits ? dataDir.resolve(s.label()) : dataDir;
                FolderIndex idx = FolderIndex.load(dir, classes,
                        s == Split.TRAIN, FolderIndex.Cache.BESIDE_DATA,
                        Runtime.getRuntime().availableProcessors(), err::println);
                Progress p = Progress.start(err, "pack " + s.label(), idx.size(), "images");
                ShardWriter.Result r = ShardWriter.pack(idx, out,
                        s.label(), new ShardWriter.Options(shardSamples, shardSize,
                                s == Split.TRAIN && !noShuffle, seed), new ShardWriter
                                .Listener() {
                            @Override
                            public void progress(long done, long total, long bytes) {
                                p.update(done);
                            }

                            @Override
                            public void skipped(String file, String reason) {
                                err.println("skipped: " + reason);
                            }
                        });
                p.finish();
                skippedTotal += r.skipped();
                ObjectNode n = res.putObject(s.label());
                n.put("shards", r.shards().size());
                n.put("samples", r.samples());
                n.put("skipped", r.skipped());
                n.put("bytes", r.bytes());
                if (!json) {
                    spec.commandLine().getOut().printf(Locale.ROOT, "%s: %,d images in %d shard(s) (%,d bytes)%s in"
                            + " %s%n", s.label(), r.samples(), r.shards().size(), r.bytes(), r.skipped() > 0
                                    ? ", " + r.skipped() + " unreadable image(s) left out" : "", out);
                }
            }
            if (json) {
                Json.print(spec.commandLine().getOut(), o);
            }
            return skippedTotal > 0 ? 1 : 0;
        }
    }
}
