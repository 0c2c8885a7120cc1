package org.resnet4j.engine;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.pytorch.global.torch;

/**
 * Gives libtorch's oneDNN usable cache sizes where the processor does not report any.
 *
 * <p>oneDNN 3.7 (libtorch 2.10) takes the cache sizes of an AMD processor from CPUID leaf 0x8000001D and keeps
 * whatever it finds: a hypervisor that leaves the leaf empty (no cache folders under
 * {@code /sys/devices/system/cpu/cpu0/}, nothing in {@code lscpu}) gives three levels of one byte each. Its kernel
 * planning then fits nothing in any cache: 1×1 convolutions in channels-last compute wrong values or die of SIGFPE or
 * SIGSEGV, and the backward pass of every strided 1×1 convolution between 256/512/1024 and 512/1024/2048 channels (the
 * bottleneck nets' projections) divides by zero ({@code brg_blocking_t::est_eff_1x1}). oneDNN 3.8 (Xbyak 7.23.1)
 * reads an empty leaf as "no cache information" and falls back to its defaults of 32 KiB L1, 512 KiB L2 and 1 MiB L3
 * per core, which is what PyTorch 2.13 (oneDNN 3.12) plans with on such machines.
 *
 * <p>This class does the same for the oneDNN inside libtorch 2.10: it finds the processor description oneDNN filled
 * in (the function-local {@code static Xbyak::util::Cpu} of {@code dnnl::impl::cpu::x64::cpu()}, through the symbol
 * table of {@code libtorch_cpu.so}), checks that it has the layout of the Xbyak release bundled with oneDNN 3.7 and
 * holds sizes no processor has, and sets its number of cache levels to zero, so that oneDNN uses its defaults. It
 * changes nothing on machines that report their caches, and nothing when any check fails.
 */
public final class OneDnnCacheSizes {
    /** What happened, and why, in words for a log line. */
    public enum Status {
        /** the processor reports its caches (or libtorch's oneDNN is not an x86-64 one): nothing to do */
        NOT_NEEDED,
        /** oneDNN read one-byte caches; it now uses its default sizes */
        CORRECTED,
        /** oneDNN read impossible cache sizes, but its processor description could not be found or changed safely */
        NOT_CORRECTED
    }

    public record Outcome(Status status, String detail) {
    }

    private static final String CPU_SYMBOL = "_ZZN4dnnl4impl3cpu3x643cpuEvE4cpu_";
    // Xbyak::util::Cpu as bundled with oneDNN 3.7: Type (two uint64), bool, uint32 numCores_[2],
    // uint32 dataCacheSize_[10], uint32 coresSharignDataCache_[10], uint32 dataCacheLevels_, ...
    private static final int CPU_OBJECT_SIZE = 144;
    private static final int NUM_CORES = 20;
    private static final int DATA_CACHE_SIZE = 28;
    private static final int CORES_SHARING = 68;
    private static final int DATA_CACHE_LEVELS = 108;
    private static final int MAX_LEVELS = 10;
    /** Smaller than any real level-1 data cache; the empty CPUID leaf gives 1 byte. */
    private static final int IMPLAUSIBLE_BYTES = 1024;
    private static final String TESTED_ONEDNN = "v3.7.";

    private OneDnnCacheSizes() {
    }

    /** Checks, and corrects where needed, the cache sizes oneDNN plans with. Call once, before the first model runs. */
    static Outcome correct() {
        String version = torch.get_mkldnn_version().getString();
        if (!"amd64".equals(System.getProperty("os.arch")) || !version.contains(TESTED_ONEDNN)) {
            return new Outcome(Status.NOT_NEEDED, "oneDNN " + version + " on " + System.getProperty("os.arch"));
        }
        Library lib;
        try {
            lib = Library.find("libtorch_cpu.so");
        } catch (IOException | RuntimeException e) {
            return new Outcome(Status.NOT_NEEDED, "libtorch_cpu.so not inspected: " + e.getMessage());
        }
        if (lib == null) {
            return new Outcome(Status.NOT_NEEDED, "libtorch_cpu.so is not mapped in this process");
        }
        long address;
        try {
            address = lib.symbolAddress(CPU_SYMBOL, CPU_OBJECT_SIZE);
        } catch (IOException | RuntimeException e) {
            address = -1;
        }
        // oneDNN fills the description in on first use; a reorder into its blocked layout is the cheapest use and
        // plans nothing that depends on cache sizes.
        torch.ones(1, 1, 1, 1).to_mkldnn();
        if (address < 0) {
            return unknownLayout(lib.path(), "no symbol " + CPU_SYMBOL + " of " + CPU_OBJECT_SIZE + " bytes");
        }
        Raw cpu = new Raw(address, CPU_OBJECT_SIZE / Integer.BYTES);
        int levels = cpu.get(DATA_CACHE_LEVELS / Integer.BYTES);
        int smt = cpu.get(NUM_CORES / Integer.BYTES);
        if (levels < 0 || levels > MAX_LEVELS || smt < 0 || smt > 1024) {
            return unknownLayout(lib.path(), "unexpected contents (" + levels + " cache levels)");
        }
        long[] perCore = new long[levels];
        boolean implausible = false;
        for (int i = 0; i < levels; i++) {
            long size = Integer.toUnsignedLong(cpu.get(DATA_CACHE_SIZE / Integer.BYTES + i));
            long sharing = Integer.toUnsignedLong(cpu.get(CORES_SHARING / Integer.BYTES + i));
            if (sharing == 0 || sharing > 4096) {
                return unknownLayout(lib.path(), "unexpected contents (" + sharing + " cores sharing a cache)");
            }
            perCore[i] = size / sharing;
            implausible |= i < 2 && perCore[i] < IMPLAUSIBLE_BYTES;
        }
        String seen = describe(perCore);
        if (!implausible) {
            return new Outcome(Status.NOT_NEEDED, "oneDNN sees " + seen);
        }
        cpu.put(DATA_CACHE_LEVELS / Integer.BYTES, 0);
        return new Outcome(Status.CORRECTED, "the processor reports no cache sizes (oneDNN read " + seen
                + "); oneDNN now plans with its defaults (32 KiB L1, 512 KiB L2, 1 MiB L3 per core), as oneDNN 3.8"
                + " and PyTorch 2.13 do");
    }

    /** The outcome when the correction is not attempted, judged by {@link #cachesLookUnreported()}. */
    static Outcome uncorrected(String why) {
        return cachesLookUnreported()
                ? new Outcome(Status.NOT_CORRECTED, "this processor reports no cache sizes and oneDNN's one-byte view of"
                        + " them was left as it is (" + why + ")")
                : new Outcome(Status.NOT_NEEDED, "not inspected (" + why + ")");
    }

    /** Whether this machine looks like one whose caches oneDNN 3.7 misreads, judged without oneDNN's own view. */
    public static boolean cachesLookUnreported() {
        try {
            boolean amd = Files.readString(Path.of("/proc/cpuinfo")).contains("AuthenticAMD");
            return amd && !Files.isDirectory(Path.of("/sys/devices/system/cpu/cpu0/cache"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Outcome unknownLayout(Path lib, String why) {
        if (!cachesLookUnreported()) {
            return new Outcome(Status.NOT_NEEDED, "oneDNN's processor description not inspected (" + why + ")");
        }
        return new Outcome(Status.NOT_CORRECTED, "this processor reports no cache sizes and oneDNN's view of them"
                + " could not be corrected in " + lib + " (" + why + ")");
    }

    private static String describe(long[] perCore) {
        if (perCore.length == 0) {
            return "no cache levels";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < perCore.length; i++) {
            s.append(i == 0 ? "" : ", ").append('L').append(i + 1).append(' ').append(bytes(perCore[i]));
        }
        return s.append(" per core").toString();
    }

    private static String bytes(long n) {
        return n >= 1 << 20 && n % (1 << 20) == 0 ? (n >> 20) + " MiB"
                : n >= 1024 && n % 1024 == 0 ? (n >> 10) + " KiB" : n + (n == 1 ? " byte" : " bytes");
    }

    /** Native memory at a known address, as 32-bit integers. */
    private static final class Raw extends IntPointer {
        Raw(long address, long ints) {
            this.address = address;
            this.limit = ints;
            this.capacity = ints;
        }
    }

    /** A shared library mapped into this process: its file and where it was loaded (Linux, ELF64, little-endian). */
    record Library(Path path, long loadBias) {
        private static final int PT_LOAD = 1;
        private static final int SHT_SYMTAB = 2;
        private static final int STT_OBJECT = 1;

        /** The first mapping of a file named {@code name}, from /proc/self/maps; null when there is none. */
        static Library find(String name) throws IOException {
            Path maps = Path.of("/proc/self/maps");
            if (!Files.isReadable(maps)) {
                return null;
            }
            for (String line : Files.readAllLines(maps)) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length == 6 && f[5].endsWith("/" + name) && Long.parseLong(f[2], 16) == 0) {
                    Path path = Path.of(f[5]);
                    long start = Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
                    return new Library(path, start - firstLoadAddress(path));
                }
            }
            return null;
        }

        /** The run-time address of a data object in the library's symbol table, or -1 when it is not there. */
        long symbolAddress(String symbol, long size) throws IOException {
            byte[] wanted = symbol.getBytes(StandardCharsets.US_ASCII);
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                MappedByteBuffer header = map(ch, 0, 64);
                long shoff = header.getLong(0x28);
                int shentsize = Short.toUnsignedInt(header.getShort(0x3A));
                int shnum = Short.toUnsignedInt(header.getShort(0x3C));
                MappedByteBuffer sections = map(ch, shoff, (long) shentsize * shnum);
                for (int i = 0; i < shnum; i++) {
                    int s = i * shentsize;
                    if (sections.getInt(s + 4) != SHT_SYMTAB) {
                        continue;
                    }
                    int strtabIndex = sections.getInt(s + 0x28);
                    int t = strtabIndex * shentsize;
                    MappedByteBuffer strtab = map(ch, sections.getLong(t + 0x18), sections.getLong(t + 0x20));
                    MappedByteBuffer symtab = map(ch, sections.getLong(s + 0x18), sections.getLong(s + 0x20));
                    long entsize = sections.getLong(s + 0x38);
                    for (long e = 0; e + entsize <= symtab.capacity(); e += entsize) {
                        int at = (int) e;
                        if ((symtab.get(at + 4) & 0xf) == STT_OBJECT && symtab.getLong(at + 16) == size
                                && nameIs(strtab, symtab.getInt(at), wanted)) {
                            return loadBias + symtab.getLong(at + 8);
                        }
                    }
                }
            }
            return -1;
        }

        private static boolean nameIs(MappedByteBuffer strtab, int offset, byte[] wanted) {
            if (offset < 0 || offset + wanted.length >= strtab.capacity()) {
                return false;
            }
            for (int k = 0; k < wanted.length; k++) {
                if (strtab.get(offset + k) != wanted[k]) {
                    return false;
                }
            }
            return strtab.get(offset + wanted.length) == 0;
        }

        private static long firstLoadAddress(Path path) throws IOException {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                MappedByteBuffer header = map(ch, 0, 64);
                if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                    throw new IOException(path + " is not a little-endian ELF64 file");
                }
                long phoff = header.getLong(0x20);
                int phentsize = Short.toUnsignedInt(header.getShort(0x36));
                int phnum = Short.toUnsignedInt(header.getShort(0x38));
                MappedByteBuffer ph = map(ch, phoff, (long) phentsize * phnum);
                for (int i = 0; i < phnum; i++) {
                    int p = i * phentsize;
                    if (ph.getInt(p) == PT_LOAD && ph.getLong(p + 8) == 0) {
                        return ph.getLong(p + 16);
                    }
                }
            }
            throw new IOException(path + " has no loadable segment at offset 0");
        }

        private static MappedByteBuffer map(FileChannel ch, long offset, long length) throws IOException {
            if (offset < 0 || length < 0 || length > Integer.MAX_VALUE || offset + length > ch.size()) {
                throw new IOException("ELF region out of the file's bounds");
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, offset, length);
            b.order(ByteOrder.LITTLE_ENDIAN);
            return b;
        }
    }
}
