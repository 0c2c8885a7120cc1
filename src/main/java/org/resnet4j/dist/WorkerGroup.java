package org.resnet4j.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BackendOptional;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.gloo.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Engine;

/**
 * The processes of a distributed run, joined as {@code torch.distributed.init_process_group("gloo")} joins them: a
 * TCPStore rendezvous at MASTER_ADDR:MASTER_PORT (served by rank 0, or by torchrun's agent), a ProcessGroupGloo for the
 * collectives, and the {@link ProcessGroup} wrapper that DDP's Reducer takes. {@link #single()} is the group of a
 * process on its own, where every collective returns its input.
 *
 * <p>Failures are made legible: a rank that fails for a reason of its own posts the reason in the store
 * ({@link #announceFailure}); every rank beats a heartbeat counter there; and a rank whose collective breaks tells, from
 * the reasons and the heartbeats, which rank was lost and how ({@link PeerLostException}).
 */
public final class WorkerGroup implements AutoCloseable {
    private static final String KEYS = "resnet4j/";
    /** How long a survivor watches the heartbeats before it calls a silent rank lost. */
    private static final Duration GRACE = Duration.ofMillis(2500);

    private final int rank;
    private final int size;
    private final String rendezvous;
    private final boolean servesStore;
    // native objects held for the life of the group: native code holds clones of the store, and the group's backend
    private final TCPStore store;
    private final Store client;
    private final ProcessGroupGloo gloo;
    private final ProcessGroup processGroup;
    private final Heartbeat heartbeat;
    private final Duration timeout;
    private PeerLostException lost;

    private WorkerGroup(int rank, int size, String rendezvous, boolean servesStore, TCPStore store,
            ProcessGroupGloo gloo, ProcessGroup processGroup, Heartbeat heartbeat, Duration timeout) {
        this.rank = rank;
        this.size = size;
        this.rendezvous = rendezvous;
        this.servesStore = servesStore;
        this.store = store;
        this.client = store == null ? null : store.clone();
        this.gloo = gloo;
        this.processGroup = processGroup;
        this.heartbeat = heartbeat;
        this.timeout = timeout;
    }

    /** A process on its own: rank 0 of 1. */
    public static WorkerGroup single() {
        return new WorkerGroup(0, 1, null, false, null, null, null, null, Duration.ZERO);
    }

    /** {@link #join} when the environment names a launch, else {@link #single()}. */
    public static WorkerGroup fromEnvironment(Duration timeout) {
        return LaunchEnvironment.current().map(e -> join(e, timeout)).orElseGet(WorkerGroup::single);
    }

    /**
     * Joins the group {@code env} describes: connects to (or, on rank 0, serves) the rendezvous store, waits until
     * every rank has arrived, and connects Gloo's full mesh. Each failure gets one line: a port already taken, a
     * rendezvous nobody serves, ranks that never arrive (named).
     */
    public static WorkerGroup join(LaunchEnvironment env, Duration timeout) {
        Engine.start();
        String where = env.masterAddr() + ":" + env.masterPort();
        TCPStore store = connect(env, timeout, where);
        Heartbeat heartbeat = new Heartbeat(store.clone(), env.rank());
        try {
            awaitEveryone(store, env, timeout, where);
            ProcessGroupGloo.Options options = new ProcessGroupGloo.Options(millis(timeout));
            options.devices(new GlooDeviceVector(device(env)));
            ProcessGroupGloo gloo = new ProcessGroupGloo(store.clone(), env.rank(), env.worldSize(), options);
            ProcessGroup pg = new ProcessGroup(store.clone(), env.rank(), env.worldSize());
            pg.setBackend(DeviceType.CPU, ProcessGroup.BackendType.GLOO, new BackendOptional(gloo));
            pg.setDefaultBackend(ProcessGroup.BackendType.GLOO);
            gloo.deallocate(false); // the process group's reference owns the backend now
            WorkerGroup g = new WorkerGroup(env.rank(), env.worldSize(), where, env.servesStore(), store, gloo, pg,
                    heartbeat, timeout);
            heartbeat.start();
            return g;
        } catch (RuntimeException e) {
            heartbeat.stop();
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("could not connect the process group through " + where + ": "
                    + firstLine(e), e);
        }
    }

    private static TCPStore connect(LaunchEnvironment env, Duration timeout, String where) {
        TCPStoreOptions o = new TCPStoreOptions();
        o.port((short) env.masterPort()); // an unsigned 16-bit port: the short's bits are what C++ reads
        o.isServer(env.servesStore());
        o.waitWorkers(false);
        o.timeout(millis(timeout));
        try {
            return new TCPStore(env.masterAddr(), o);
        } catch (RuntimeException e) {
            String m = firstLine(e).toLowerCase(Locale.ROOT);
            if (env.servesStore() && (m.contains("address already in use") || m.contains("eaddrinuse"))) {
                throw new IllegalStateException("rank 0 cannot serve the rendezvous on port " + env.masterPort()
                        + ": the port is taken (another run?); choose another MASTER_PORT (--master-port)", e);
            }
            if (env.servesStore()) {
                throw new IllegalStateException("rank 0 cannot serve the rendezvous at " + where + ": " + firstLine(e)
                        + " (is MASTER_ADDR an address of this machine?)", e);
            }
            throw new IllegalStateException("rank " + env.rank() + " could not reach the rendezvous at " + where
                    + " within " + seconds(timeout) + " (--dist-timeout): is rank 0 running, and are MASTER_ADDR and"
                    + " MASTER_PORT its address? (" + firstLine(e) + ")", e);
        }
    }

    /** Every rank announces itself; the ranks missing when the time is up are named. */
    private static void awaitEveryone(TCPStore store, LaunchEnvironment env, Duration timeout, String where) {
        store.set(KEYS + "joined/" + env.rank(), bytes("1"));
        List<String> keys = new ArrayList<>();
        for (int r = 0; r < env.worldSize(); r++) {
            keys.add(KEYS + "joined/" + r);
        }
        try {
            store._wait(new StringVector(keys.toArray(String[]::new)), millis(timeout));
        } catch (RuntimeException e) {
            List<Integer> missing = new ArrayList<>();
            for (int r = 0; r < env.worldSize(); r++) {
                try {
                    if (!store.check(new StringVector(keys.get(r)))) {
                        missing.add(r);
                    }
                } catch (RuntimeException unreachable) {
                    throw new IllegalStateException("rank " + env.rank() + " lost the rendezvous at " + where
                            + " while waiting for the others (rank 0 ended?)", e);
                }
            }
            throw new IllegalStateException(ranks(missing) + " did not join the rendezvous at " + where + " within "
                    + seconds(timeout) + " (--dist-timeout; " + env.worldSize() + " processes expected): are they"
                    + " started, with the same MASTER_ADDR and MASTER_PORT?", e);
        }
    }

    /**
     * The network device Gloo listens on: GLOO_SOCKET_IFNAME's interface when set (as torch.distributed does), else the
     * local address this machine uses to reach MASTER_ADDR, which works on one machine (loopback) and across
     * machines alike.
     */
    private static Device device(LaunchEnvironment env) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(ifname.split(",")[0].strip());
        }
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(env.masterAddr()), env.masterPort()));
            InetAddress local = s.getLocalAddress();
            if (local != null && !local.isAnyLocalAddress()) {
                return ProcessGroupGloo.createDeviceForHostname(local.getHostAddress());
            }
        } catch (IOException e) {
            // no route known yet: let Gloo resolve this machine's own name
        }
        return ProcessGroupGloo.createDefaultDevice();
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public boolean isRankZero() {
        return rank == 0;
    }

    public boolean isDistributed() {
        return size > 1;
    }

    /** The rendezvous address, {@code host:port}; null for a single process. */
    public String rendezvous() {
        return rendezvous;
    }

    /** The c10d process group, for DDP's Reducer and {@code broadcast_coalesced}; null for a single process. */
    public ProcessGroup processGroup() {
        return processGroup;
    }

    /** Sums {@code t} across the ranks, in place; returns it. */
    public Tensor allReduceSum(Tensor t, String during) {
        if (size > 1) {
            await(gloo.allreduce(new TensorVector(t)), during);
        }
        return t;
    }

    /** The element-wise sums of {@code values} across the ranks (exact for whole numbers below 2^53). */
    public double[] sum(String during, double... values) {
        return reduce(values, ReduceOp.RedOpType.SUM, during);
    }

    /** The element-wise minimum of {@code values} across the ranks. */
    public double[] min(String during, double... values) {
        return reduce(values, ReduceOp.RedOpType.MIN, during);
    }

    /** The largest of the ranks' {@code value}s. */
    public double max(String during, double value) {
        return reduce(new double[] {value}, ReduceOp.RedOpType.MAX, during)[0];
    }

    /** Whether {@code flag} is true on any rank. */
    public boolean any(boolean flag, String during) {
        return size == 1 ? flag : sum(during, flag ? 1 : 0)[0] > 0;
    }

    private double[] reduce(double[] values, ReduceOp.RedOpType op, String during) {
        if (size == 1) {
            return values.clone();
        }
        Tensor t = doubles(values);
        try (ReduceOp reduceOp = new ReduceOp(op); AllreduceOptions o = new AllreduceOptions()) {
            o.reduceOp(reduceOp);
            await(gloo.allreduce(new TensorVector(t), o), during);
        }
        double[] out = new double[values.length];
        t.data_ptr_double().get(out);
        return out;
    }

    /** Overwrites {@code t} on every rank with rank {@code root}'s. */
    public void broadcast(Tensor t, int root, String during) {
        if (size > 1) {
            try (BroadcastOptions o = new BroadcastOptions()) {
                o.rootRank(root);
                await(gloo.broadcast(new TensorVector(t), o), during);
            }
        }
    }

    /** Rank 0's {@code bytes} on every rank (the argument is ignored elsewhere). */
    public byte[] broadcastBytes(byte[] bytes, String during) {
        if (size == 1) {
            return bytes;
        }
        double[] length = {rank == 0 ? bytes.length : 0};
        Tensor n = doubles(length);
        broadcast(n, 0, during);
        int len = (int) n.data_ptr_double().get();
        Tensor data = torch.empty(new long[] {Math.max(len, 1)}, new TensorOptions(ScalarType.Byte), null);
        BytePointer p = new BytePointer(data.data_ptr()).capacity(Math.max(len, 1));
        if (rank == 0 && len > 0) {
            p.put(bytes, 0, len);
        }
        broadcast(data, 0, during);
        byte[] out = new byte[len];
        p.get(out, 0, len);
        return out;
    }

    /** Rank 0's {@code text} on every rank. */
    public String broadcastString(String text, String during) {
        return new String(broadcastBytes(text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8), during),
                StandardCharsets.UTF_8);
    }

    public void barrier(String during) {
        if (size > 1) {
            await(gloo.barrier(), during);
        }
    }

    /**
     * Runs {@code work} on every rank and makes its outcome collective: when it fails anywhere, it fails everywhere,
     * each rank with one line, those that failed with their own reason and the others naming the ranks that failed
     * and why. Use it around every step of a set-up that can fail on some ranks only, so that no rank goes on into a
     * collective that the failed ones will never join.
     */
    public <T> T agree(String what, Callable<T> work) throws IOException {
        T result = null;
        Exception failure = null;
        try {
            result = work.call();
        } catch (Exception e) {
            failure = e;
        }
        if (size > 1) {
            double[] failed = new double[size];
            failed[rank] = failure == null ? 0 : 1;
            failed = sum(what, failed);
            List<Integer> failedRanks = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                if (failed[r] > 0) {
                    failedRanks.add(r);
                }
            }
            if (!failedRanks.isEmpty()) {
                String key = KEYS + "setup/" + what + "/";
                if (failure != null) {
                    client.set(key + rank, bytes(oneLine(failure)));
                }
                barrier(what);
                Map<Integer, String> reasons = new LinkedHashMap<>();
                for (int r : failedRanks) {
                    if (r != rank) {
                        reasons.put(r, text(client.get(key + r)));
                    }
                }
                barrier(what); // everyone has read the reasons: rank 0 may now end, and its store with it
                if (failure == null) {
                    throw new IllegalStateException(reasons.entrySet().stream().map(e -> "rank " + e.getKey()
                            + " could not " + what + ": " + e.getValue()).collect(Collectors.joining("; ")));
                }
            }
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure != null) {
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        return result;
    }

    /**
     * Posts why this rank fails, so that the others can say so instead of just losing it; best effort (the store may
     * be gone with rank 0).
     */
    public void announceFailure(Throwable t) {
        if (size == 1 || t instanceof PeerLostException) {
            return;
        }
        try {
            client.set(KEYS + "failed/" + rank, bytes(oneLine(t)));
        } catch (RuntimeException e) {
            // the store is unreachable: the others will find this rank silent instead
        }
    }

    private void await(Work w, String during) {
        try {
            w._wait();
        } catch (RuntimeException e) {
            throw lostPeer(e, during);
        } finally {
            w.close();
        }
    }

    /**
     * {@code e}, raised by native code during {@code during}: explained by {@link #lostPeer} when it is a
     * communication failure (Gloo, the store, a timeout), else as it is (a local error, such as autograd's).
     */
    public RuntimeException failure(RuntimeException e, String during) {
        String m = firstLine(e).toLowerCase(Locale.ROOT);
        boolean communication = List.of("gloo", "connection", "timeout", "timed out", "peer", "socket", "store",
                "closed").stream().anyMatch(m::contains);
        return communication || lost != null ? lostPeer(e, during) : e;
    }

    /**
     * Explains a broken collective: the ranks that posted a failure, those whose heartbeat stopped, or, when every rank
     * is alive, a timeout. Thrown as it is by every later collective: the group is unusable after a loss.
     */
    public synchronized PeerLostException lostPeer(RuntimeException e, String during) {
        if (lost != null) {
            return lost;
        }
        // Gloo prefixes its messages with the source file that raised them
        String cause = firstLine(e).replaceFirst("^\\[[^\\]]*\\.(cc|cpp|h):\\d+\\]\\s*", "");
        boolean timedOut = cause.toLowerCase(Locale.ROOT).contains("timed out")
                || cause.toLowerCase(Locale.ROOT).contains("timeout");
        String message;
        try {
            Map<Integer, String> reasons = new LinkedHashMap<>();
            for (int r = 0; r < size; r++) {
                if (r != rank && client.check(new StringVector(KEYS + "failed/" + r))) {
                    reasons.put(r, text(client.get(KEYS + "failed/" + r)));
                }
            }
            List<Integer> silent = reasons.isEmpty() ? heartbeat.silentRanks(client, size, GRACE) : List.of();
            if (!reasons.isEmpty()) {
                message = reasons.entrySet().stream().map(x -> "rank " + x.getKey() + " failed during " + during
                        + ": " + x.getValue()).collect(Collectors.joining("; "));
            } else if (!silent.isEmpty() && timedOut) {
                message = ranks(silent) + " stopped answering during " + during + " (no reply within "
                        + seconds(timeout) + ", --dist-timeout, and no heartbeat since)";
            } else if (!silent.isEmpty()) {
                message = ranks(silent) + (silent.size() == 1 ? " was" : " were") + " lost during " + during
                        + ": the process ended or its machine became unreachable (" + cause + ")";
            } else if (timedOut) {
                message = "no reply within " + seconds(timeout) + " (--dist-timeout) during " + during + ", though"
                        + " every rank is alive: one is far slower than the others; raise --dist-timeout";
            } else {
                message = "a peer broke off during " + during + ": " + cause;
            }
        } catch (RuntimeException storeGone) {
            message = servesStore ? "the rendezvous broke during " + during + ": " + cause
                    : "rank 0, which serves the rendezvous at " + rendezvous + ", was lost during " + during
                            + ": its process ended or its machine became unreachable (" + cause + ")";
        }
        lost = new PeerLostException(message, e);
        return lost;
    }

    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.stop();
        }
    }

    static Milliseconds millis(Duration d) {
        return new Milliseconds(d.toMillis());
    }

    private static Tensor doubles(double[] values) {
        Tensor t = torch.empty(new long[] {values.length}, new TensorOptions(ScalarType.Double), null);
        t.data_ptr_double().put(values);
        return t;
    }

    static String ranks(List<Integer> ranks) {
        return (ranks.size() == 1 ? "rank " : "ranks ") + ranks.stream().map(String::valueOf)
                .collect(Collectors.joining(", "));
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + " s";
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().lines().findFirst().orElse(m);
    }

    private static String oneLine(Throwable t) {
        Throwable c = t instanceof UncheckedIOException && t.getCause() != null ? t.getCause() : t;
        return firstLine(c);
    }

    static ByteVector bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length == 0 ? new ByteVector() : new ByteVector(b);
    }

    static String text(ByteVector v) {
        return new String(v.get(), StandardCharsets.UTF_8);
    }
}
