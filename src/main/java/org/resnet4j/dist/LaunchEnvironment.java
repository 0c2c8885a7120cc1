package org.resnet4j.dist;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where this process stands in a distributed run, as the launchers of the ecosystem tell it: torchrun and Kubeflow's
 * PyTorchJob set {@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK} and
 * {@code LOCAL_WORLD_SIZE}; Slurm sets {@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID} and
 * {@code SLURM_NTASKS_PER_NODE} (or {@code SLURM_TASKS_PER_NODE}), and the batch script exports {@code MASTER_ADDR}
 * and {@code MASTER_PORT}. {@code resnet4j launch} sets the torchrun variables.
 *
 * @param launcher   who set the variables: {@code torchrun} (or anything setting RANK/WORLD_SIZE) or {@code slurm}
 * @param agentStore torchrun's agent already serves the rendezvous store at MASTER_ADDR:MASTER_PORT
 *                   ({@code TORCHELASTIC_USE_AGENT_STORE=True}): every rank connects to it, none serves one
 * @param restart    torchrun's restart count ({@code TORCHELASTIC_RESTART_COUNT}), 0 on a first start
 */
public record LaunchEnvironment(String launcher, int rank, int worldSize, int localRank, int localWorldSize,
        String masterAddr, int masterPort, boolean agentStore, int restart) {

    public LaunchEnvironment {
        if (worldSize < 1) {
            throw new IllegalArgumentException("WORLD_SIZE must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("RANK " + rank + " is outside WORLD_SIZE " + worldSize + " (ranks are 0.."
                    + (worldSize - 1) + ")");
        }
        if (localWorldSize < 1 || localRank < 0 || localRank >= localWorldSize) {
            throw new IllegalArgumentException("LOCAL_RANK " + localRank + " is outside LOCAL_WORLD_SIZE "
                    + localWorldSize);
        }
        if (localWorldSize > worldSize) {
            throw new IllegalArgumentException("LOCAL_WORLD_SIZE " + localWorldSize + " exceeds WORLD_SIZE "
                    + worldSize);
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new IllegalArgumentException("MASTER_ADDR is not set: every rank needs the address of rank 0 (or of"
                    + " torchrun's agent)" + ("slurm".equals(launcher) ? "; under Slurm, export MASTER_ADDR and"
                    + " MASTER_PORT in the batch script" : ""));
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("MASTER_PORT must be a port number (1-65535), got " + masterPort);
        }
    }

    /** The launch this process is part of, from its environment; empty when it runs on its own. */
    public static Optional<LaunchEnvironment> current() {
        return of(System.getenv());
    }

    /**
     * The launch described by {@code env}; empty when it names none (or a world of one process). A launch that is
     * named but inconsistent (RANK without WORLD_SIZE, a rank outside the world, no MASTER_ADDR) is refused with one
     * line that names the variable.
     */
    public static Optional<LaunchEnvironment> of(Map<String, String> env) {
        LaunchEnvironment e;
        if (env.containsKey("RANK") || env.containsKey("WORLD_SIZE")) {
            int world = number(env, "WORLD_SIZE", null);
            int rank = number(env, "RANK", null);
            e = new LaunchEnvironment("torchrun", rank, world, number(env, "LOCAL_RANK", 0),
                    number(env, "LOCAL_WORLD_SIZE", 1), env.get("MASTER_ADDR"), port(env),
                    "True".equals(env.get("TORCHELASTIC_USE_AGENT_STORE")),
                    number(env, "TORCHELASTIC_RESTART_COUNT", 0));
        } else if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_NTASKS")) {
            int world = number(env, "SLURM_NTASKS", null);
            if (world == 1) {
                return Optional.empty();
            }
            e = new LaunchEnvironment("slurm", number(env, "SLURM_PROCID", null), world,
                    number(env, "SLURM_LOCALID", 0), slurmTasksOnThisNode(env), env.get("MASTER_ADDR"), port(env),
                    false, number(env, "SLURM_RESTART_COUNT", 0));
        } else {
            return Optional.empty();
        }
        return e.worldSize() == 1 ? Optional.empty() : Optional.of(e);
    }

    public boolean isRankZero() {
        return rank == 0;
    }

    /** Whether this rank serves the rendezvous store (rank 0, unless torchrun's agent serves it). */
    public boolean servesStore() {
        return rank == 0 && !agentStore;
    }

    /** The variables a launcher sets for one worker, as torchrun sets them. */
    public static Map<String, String> variables(int rank, int worldSize, int localRank, int localWorldSize,
            String masterAddr, int masterPort) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("RANK", String.valueOf(rank));
        v.put("WORLD_SIZE", String.valueOf(worldSize));
        v.put("LOCAL_RANK", String.valueOf(localRank));
        v.put("LOCAL_WORLD_SIZE", String.valueOf(localWorldSize));
        v.put("MASTER_ADDR", masterAddr);
        v.put("MASTER_PORT", String.valueOf(masterPort));
        return v;
    }

    private static int port(Map<String, String> env) {
        String p = env.get("MASTER_PORT");
        if (p == null || p.isBlank()) {
            throw new IllegalArgumentException("MASTER_PORT is not set: every rank needs the port of rank 0's"
                    + " rendezvous (torchrun's default is 29500)");
        }
        return number(env, "MASTER_PORT", null);
    }

    private static int number(Map<String, String> env, String name, Integer fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            if (fallback == null) {
                throw new IllegalArgumentException(name + " is not set, but " + (name.startsWith("SLURM")
                        ? "other SLURM_ variables are" : "RANK or WORLD_SIZE is") + ": a launch sets both");
            }
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }

    /**
     * Tasks on this node: SLURM_NTASKS_PER_NODE when given, else this node's entry of SLURM_TASKS_PER_NODE
     * ({@code 2(x3),1} means 2 tasks on each of the first three nodes and 1 on the fourth).
     */
    static int slurmTasksOnThisNode(Map<String, String> env) {
        String fixed = env.get("SLURM_NTASKS_PER_NODE");
        if (fixed != null && fixed.strip().matches("\\d+")) {
            return Integer.parseInt(fixed.strip());
        }
        String perNode = env.get("SLURM_TASKS_PER_NODE");
        if (perNode == null) {
            return 1;
        }
        List<Integer> counts = new ArrayList<>();
        for (String part : perNode.split(",")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(?:\\(x(\\d+)\\))?").matcher(
                    part.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("SLURM_TASKS_PER_NODE '" + perNode + "' is not Slurm's n(xk),..."
                        + " form");
            }
            int repeat = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
            for (int i = 0; i < repeat; i++) {
                counts.add(Integer.parseInt(m.group(1)));
            }
        }
        int node = number(env, "SLURM_NODEID", 0);
        if (node >= counts.size()) {
            throw new IllegalArgumentException("SLURM_NODEID " + node + " has no entry in SLURM_TASKS_PER_NODE '"
                    + perNode + "'");
        }
        return counts.get(node);
    }
}
