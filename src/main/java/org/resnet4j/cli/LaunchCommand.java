package org.resnet4j.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.resnet4j.dist.Launcher;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/** {@code resnet4j launch}: torchrun's job for machines without Python. */
@Command(name = "launch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start the processes of a distributed run on this machine, as torchrun does: each runs the"
                + " command after the options (train or eval) with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,"
                + " MASTER_ADDR and MASTER_PORT set; their standard output passes through, their standard error"
                + " is prefixed by the rank. Ctrl-C or SIGTERM stops them all (each saves a checkpoint); when one"
                + " fails, the others are stopped and launch exits non-zero.",
                "Example: resnet4j launch --nproc-per-node 2 train --model resnet20 --out runs/r20"})
final class LaunchCommand implements Callable<Integer> {
    @Option(names = "--nproc-per-node", paramLabel = "N", defaultValue = "1",
            description = "processes on this machine (default ${DEFAULT-VALUE})")
    int nprocPerNode;
    @Option(names = "--nnodes", paramLabel = "M", defaultValue = "1",
            description = "machines in the run, each running launch with its own --node-rank (default"
                    + " ${DEFAULT-VALUE})")
    int nnodes;
    @Option(names = "--node-rank", paramLabel = "R", defaultValue = "0",
            description = "this machine's place among them, 0 on the machine at --master-addr (default"
                    + " ${DEFAULT-VALUE})")
    int nodeRank;
    @Option(names = "--master-addr", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "address of node 0, where rank 0 serves the rendezvous (default ${DEFAULT-VALUE})")
    String masterAddr;
    @Option(names = "--master-port", paramLabel = "PORT", defaultValue = "29500",
            description = "port of the rendezvous (default ${DEFAULT-VALUE}, torchrun's)")
    int masterPort;
    @Option(names = "--stop-grace", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long stopped workers may take to save a checkpoint before they are killed (default"
                    + " ${DEFAULT-VALUE})")
    int stopGrace;
    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "the command each process runs: train, eval or"
            + " bench, with its options")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!List.of("train", "eval", "bench").contains(command.get(0))) {
            throw new IllegalArgumentException("launch runs train, eval or bench in each process, not '"
                    + command.get(0) + "'");
        }
        Launcher launcher = new Launcher(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort,
                Duration.ofSeconds(stopGrace));
        Launcher.Workers workers = launcher.start(command, System.out, System.err);
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), sig -> workers.stop());
        }
        return workers.await(System.err);
    }
}
