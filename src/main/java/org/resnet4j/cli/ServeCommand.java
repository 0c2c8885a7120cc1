package org.resnet4j.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.resnet4j.data.ImageLimits;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.InferenceSettings;
import org.resnet4j.eval.Predictor;
import org.resnet4j.serve.BatchingPredictor;
import org.resnet4j.serve.PredictionServer;
import org.resnet4j.serve.ServerConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a trained model over HTTP: POST /predict (an image; top-k JSON), GET /health, GET /metrics"
                + " (Prometheus), and a page at / to try it. Concurrent requests share forward passes.",
                "SIGTERM or Ctrl-C stops gracefully: requests in flight are answered first."})
final class ServeCommand extends SettingsCommand implements Callable<Integer> {
    @Mixin
    PredictionOptions model;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "address to listen on (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for all)")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
            description = "port (default ${DEFAULT-VALUE}; 0 for any free port, printed at start)")
    int port;

    @Option(names = "--max-batch", defaultValue = "32", paramLabel = "N",
            description = "most requests per forward pass (default ${DEFAULT-VALUE}; 1 turns batching off)")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5", paramLabel = "MS",
            description = "how long a batch waits for more requests after its first (default ${DEFAULT-VALUE}; 0: only"
                    + " those already waiting)")
    double maxWaitMs;

    @Option(names = "--max-queue", defaultValue = "1024", paramLabel = "N",
            description = "requests waiting for a forward pass before new ones get 503 (default ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--max-body-bytes", defaultValue = "20971520", paramLabel = "BYTES",
            description = "largest request body (default ${DEFAULT-VALUE}, 20 MiB)")
    long maxBodyBytes;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "largest image, in pixels, checked in its header before decoding (default: PIL's"
                    + " MAX_IMAGE_PIXELS, " + ImageLimits.DEFAULT_MAX_PIXELS + ")")
    long maxPixels = ImageLimits.DEFAULT_MAX_PIXELS;

    @Option(names = "--min-data-rate", defaultValue = "1024", paramLabel = "BYTES_PER_S",
            description = "slowest a client may send its body before 408 (default ${DEFAULT-VALUE}; 0: no limit)")
    long minDataRate;

    @Option(names = "--idle-timeout-s", defaultValue = "30", paramLabel = "S",
            description = "close connections silent for this long (default ${DEFAULT-VALUE})")
    double idleTimeoutS;

    @Option(names = "--stop-timeout-s", defaultValue = "30", paramLabel = "S",
            description = "at shutdown, how long to wait for requests in flight (default ${DEFAULT-VALUE})")
    double stopTimeoutS;

    @Option(names = "--decode-threads", paramLabel = "N",
            description = "images decoded at once (default: one per core, ${DEFAULT-VALUE} here)")
    int decodeThreads = Runtime.getRuntime().availableProcessors();

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class, InferenceSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = new ServerConfig(host, port, new BatchingPredictor.Policy(maxBatch, millis(maxWaitMs),
                maxQueue), maxBodyBytes, maxPixels, minDataRate, millis(idleTimeoutS * 1000),
                millis(stopTimeoutS * 1000), decodeThreads);
        Predictor predictor = model.load(settings(EngineSettings.class).startOnDevice(),
                settings(InferenceSettings.class).fuse());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PredictionServer server;
        try {
            server = PredictionServer.start(predictor, config);
        } catch (java.io.IOException e) { // Jetty reports a port in use as an IOException naming the address
            throw new java.io.IOException("cannot listen on " + host + ":" + port + ": " + Errors.message(e), e);
        }
        Thread stopper = new Thread(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                err.println(spec.qualifiedName() + ": error: while stopping: " + Errors.message(e));
            }
        }, "resnet4j-serve-stop");
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), sig -> {
                if (stopper.getState() != Thread.State.NEW) {
                    err.println("second SIG" + sig.getName() + ": exiting now");
                    err.flush();
                    Runtime.getRuntime().halt(128 + sig.getNumber());
                }
                err.println("SIG" + sig.getName() + ": stopping; answering the requests in flight (again to quit at"
                        + " once)");
                err.flush();
                stopper.start();
            });
        }
        err.println(String.format(Locale.ROOT, "serving %s (%d classes, %s) at %s: batches of up to %d within %s ms;"
                + " SIGTERM or Ctrl-C stops", predictor.model().options().name(), predictor.classNames().size(),
                predictor.preprocessing(), server.uri(), maxBatch, fmt(maxWaitMs)));
        out.println(server.uri());
        out.flush();
        err.flush();
        server.join();
        if (stopper.getState() != Thread.State.NEW) {
            stopper.join();
        }
        err.println("stopped");
        return 0;
    }

    private static Duration millis(double ms) {
        if (!Double.isFinite(ms) || ms < 0) {
            throw new IllegalArgumentException("times must be finite and not negative, got " + ms + " ms");
        }
        return Duration.ofNanos(Math.round(ms * 1e6));
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
