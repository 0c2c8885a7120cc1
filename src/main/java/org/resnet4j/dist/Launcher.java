package org.resnet4j.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts the processes of one machine of a distributed run, as {@code torchrun} does for machines without Python:
 * each worker is this program again with the launch variables set ({@code RANK}, {@code WORLD_SIZE},
 * {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}). Standard output passes
 * through as it is, as under torchrun, so that rank 0's {@code --json} is a document a program can read; standard
 * error, where progress and errors go, is prefixed with the rank. A signal to the launcher goes to every worker once;
 * when a worker fails, the others are stopped and the launcher ends with the failed worker's status.
 *
 * @param grace how long stopped workers may take to save a checkpoint and end before they are killed
 */
public record Launcher(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort,
        java.time.Duration grace) {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    /** Gloo writes its "Rank N is connected to M peer ranks" on standard output, where it would break --json. */
    private static final String GLOO_NOTE = "[Gloo] ";

    public Launcher {
        if (nprocPerNode < 1) {
            throw new IllegalArgumentException("--nproc-per-node must be at least 1, got " + nprocPerNode);
        }
        if (nnodes < 1) {
            throw new IllegalArgumentException("--nnodes must be at least 1, got " + nnodes);
        }
        if (nodeRank < 0 || nodeRank >= nnodes) {
            throw new IllegalArgumentException("--node-rank " + nodeRank + " is outside --nnodes " + nnodes
                    + " (nodes are 0.." + (nnodes - 1) + ")");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("--master-port must be a port number (1-65535), got " + masterPort);
        }
    }

    public int worldSize() {
        return nprocPerNode * nnodes;
    }

    /** The running workers of this machine. */
    public final class Workers {
        private final List<Process> processes;
        private final List<Thread> pumps;
        private volatile boolean stopping;

        private Workers(List<Process> processes, List<Thread> pumps) {
            this.processes = processes;
            this.pumps = pumps;
        }

        /**
         * Asks every worker still running to stop (SIGTERM: each saves a checkpoint after its step). Through the
         * process handle: {@link Process#destroy()} would also close the pipes that carry the workers' last words.
         */
        public void stop() {
            stopping = true;
            processes.forEach(p -> {
                if (p.isAlive()) {
                    p.toHandle().destroy();
                }
            });
        }

        /**
         * Waits for the workers. When one fails while the others run, they are stopped, then killed after the grace
         * period; returns 0 when all succeeded, else the first failure's status (with {@code report} told which).
         */
        public int await(PrintStream report) throws InterruptedException {
            int status = 0;
            List<Process> running = new ArrayList<>(processes);
            while (!running.isEmpty()) {
                for (Process p : List.copyOf(running)) {
                    if (p.isAlive()) {
                        continue;
                    }
                    running.remove(p);
                    int code = p.exitValue();
                    if (code != 0 && status == 0) {
                        status = code;
                        int local = processes.indexOf(p);
                        if (!stopping) {
                            report.println("launch: rank " + (nodeRank * nprocPerNode + local) + " (local rank "
                                    + local + ") failed with exit status " + code + "; stopping the other workers");
                        }
                        stop();
                    }
                }
                if (stopping && !running.isEmpty()) {
                    long deadline = System.nanoTime() + grace.toNanos();
                    for (Process p : running) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                            p.toHandle().destroyForcibly();
                        }
                    }
                    for (Process p : running) {
                        p.waitFor();
                        if (p.exitValue() != 0 && status == 0) {
                            status = p.exitValue();
                        }
                    }
                    running.clear();
                }
                Thread.sleep(50);
            }
            for (Thread t : pumps) {
                t.join(2000);
            }
            return status;
        }
    }

    /**
     * Starts this machine's workers, each running this program with {@code args}; their output goes to {@code out}
     * and {@code err}, line by line, the error lines prefixed {@code [rankN]:} (torchrun's {@code --tee} style).
     */
    public Workers start(List<String> args, PrintStream out, PrintStream err) throws IOException {
        List<Process> processes = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        try {
            for (int local = 0; local < nprocPerNode; local++) {
                int rank = nodeRank * nprocPerNode + local;
                ProcessBuilder pb = new ProcessBuilder(command(args));
                Map<String, String> env = pb.environment();
                env.putAll(LaunchEnvironment.variables(rank, worldSize(), local, nprocPerNode, masterAddr,
                        masterPort));
                env.put("GROUP_RANK", String.valueOf(nodeRank));
                Process p = pb.start();
                processes.add(p);
                String prefix = "[rank" + rank + "]: ";
                pumps.add(pump(p.getInputStream(), line -> {
                    if (line.startsWith(GLOO_NOTE)) {
                        print(err, prefix + line);
                    } else {
                        print(out, line);
                    }
                }));
                pumps.add(pump(p.getErrorStream(), line -> print(err, prefix + line)));
            }
        } catch (IOException e) {
            processes.forEach(Process::destroyForcibly);
            throw new IOException("could not start the workers: " + e.getMessage(), e);
        }
        return new Workers(processes, pumps);
    }

    /**
     * This program again, with the JVM options it was started with. Workers get a session of their own, so that a
     * terminal's Ctrl-C reaches the launcher alone, which passes it on once.
     */
    static List<String> command(List<String> args) {
        List<String> c = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            c.add(SETSID.toString());
        }
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add("org.resnet4j.cli.Main");
        c.addAll(args);
        return c;
    }

    private static Thread pump(InputStream in, Consumer<String> to) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    to.accept(line);
                }
            } catch (IOException e) {
                // the worker ended
            }
        }, "resnet4j-launch-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void print(PrintStream to, String line) {
        synchronized (to) {
            to.println(line);
        }
    }
}
