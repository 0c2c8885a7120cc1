package org.resnet4j.data.stream;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.resnet4j.data.DataFormatException;
import org.resnet4j.data.ImageFolder;
import org.resnet4j.io.AtomicFile;

/**
 * The files and labels of one image folder split ({@code dir/<class>/**}/<image>), torchvision's ImageFolder layout,
 * without decoding anything: what a streaming dataset needs, built fast for millions of files and cached.
 *
 * <p>The walk runs class folders in parallel and never stats a file whose name has an image extension (only other
 * entries, to find subfolders), so it costs one directory listing per folder. The index is cached in
 * {@code dir/.resnet4j-index} (or in a given folder when the data is read-only) with the modification time of every
 * folder walked; it is used again while the class folders and every folder's time are unchanged, which any added,
 * removed or renamed file changes. Names are held in one UTF-8 array (about 30 bytes per ImageNet file).
 */
public final class FolderIndex {
    static final String CACHE_NAME = ".resnet4j-index";
    private static final int MAGIC = 0x52344a49; // "R4JI"
    private static final int VERSION = 1;
    /** Folder times closer than this to the walk may miss a change made during it (coarse file system clocks). */
    private static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Path dir;
    private final List<String> classNames;
    private final byte[] names;
    private final int[] offsets;
    private final int[] labels;
    private final int[] perClass;
    private final long nonImageFiles;
    private final List<String> nonImageExamples;
    private final boolean fromCache;

    /** What a walk or a cache load reports. */
    public interface Listener {
        Listener SILENT = m -> { };

        void note(String message);
    }

    private FolderIndex(Path dir, List<String> classNames, byte[] names, int[] offsets, int[] labels,
            long nonImageFiles, List<String> nonImageExamples, boolean fromCache) {
        this.dir = dir;
        this.classNames = List.copyOf(classNames);
        this.names = names;
        this.offsets = offsets;
        this.labels = labels;
        this.perClass = new int[classNames.size()];
        for (int l : labels) {
            perClass[l]++;
        }
        this.nonImageFiles = nonImageFiles;
        this.nonImageExamples = List.copyOf(nonImageExamples);
        this.fromCache = fromCache;
    }

    public Path dir() {
        return dir;
    }

    public int size() {
        return labels.length;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int label(int i) {
        return labels[i];
    }

    /** The file's path relative to {@link #dir()}, {@code <class>/.../<name>}. */
    public String relative(int i) {
        return new String(names, offsets[i], offsets[i + 1] - offsets[i], StandardCharsets.UTF_8);
    }

    public Path file(int i) {
        return dir.resolve(relative(i));
    }

    public int[] perClass() {
        return perClass.clone();
    }

    public long nonImageFiles() {
        return nonImageFiles;
    }

    public boolean fromCache() {
        return fromCache;
    }

    /** Where the index is cached: in the folder itself, else in {@code fallback} (null: nowhere) if not writable. */
    public record Cache(boolean inFolder, Path fallback) {
        public static final Cache NONE = new Cache(false, null);
        public static final Cache BESIDE_DATA = new Cache(true, null);
    }

    /**
     * The index of {@code dir}'s class folders, labelled by their position in {@code classes} (null: the folder's
     * own sorted class folders). A class folder not among {@code classes} is an error; a class without images is
     * an error when {@code requireEveryClass}, and a note otherwise (a validation split may lack a class).
     */
    public static FolderIndex load(Path dir, List<String> classes, boolean requireEveryClass, Cache cache,
            int threads, Listener listener) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "image folder missing");
        }
        List<String> folders = ImageFolder.classNames(dir);
        List<String> labelsOf = classes == null ? folders : classes;
        for (String f : folders) {
            if (!labelsOf.contains(f)) {
                throw new DataFormatException(dir.resolve(f) + ": class folder '" + f + "' is not among the "
                        + labelsOf.size() + " training classes (a class that appears only here cannot be learned;"
                        + " remove it or add it to the training data)");
            }
        }
        for (Path c : cacheFiles(dir, cache)) {
            FolderIndex cached = readCache(c, dir, folders, labelsOf);
            if (cached != null) {
                return checked(cached, requireEveryClass, listener);
            }
        }
        long start = System.currentTimeMillis();
        Walk walk = walk(dir, folders, labelsOf, threads);
        FolderIndex index = walk.index;
        listener.note(String.format(Locale.ROOT, "%s: indexed %,d images in %d class folders in %.1f s", dir,
                index.size(), folders.size(), (System.currentTimeMillis() - start) / 1000.0));
        if (!walk.racy) {
            writeCache(dir, cache, walk, folders, listener);
        }
        return checked(index, requireEveryClass, listener);
    }

    private static FolderIndex checked(FolderIndex idx, boolean requireEveryClass, Listener listener)
            throws DataFormatException {
        List<String> empty = new ArrayList<>();
        for (int c = 0; c < idx.classNames.size(); c++) {
            if (idx.perClass[c] == 0) {
                empty.add(idx.classNames.get(c));
            }
        }
        if (!empty.isEmpty()) {
            String which = empty.size() <= 10 ? String.join(", ", empty)
                    : String.join(", ", empty.subList(0, 10)) + " and " + (empty.size() - 10) + " more";
            if (requireEveryClass) {
                throw new DataFormatException(idx.dir + ": " + empty.size() + " class folder(s) hold no images ("
                        + which + "); expected files ending in " + String.join(", ",
                                ImageFolder.EXTENSIONS.stream().sorted().toList()));
            }
            listener.note(idx.dir + ": no images of " + empty.size() + " class(es): " + which);
        }
        if (idx.nonImageFiles > 0) {
            listener.note(String.format(Locale.ROOT, "%s: ignored %,d file(s) without an image extension (e.g. %s)",
                    idx.dir, idx.nonImageFiles, String.join(", ", idx.nonImageExamples)));
        }
        if (idx.size() == 0) {
            throw new DataFormatException(idx.dir + ": no images in any class folder");
        }
        return idx;
    }

    /** A walk's index and the folders it read, with their modification times. */
    private record Walk(FolderIndex index, List<String> dirs, long[] mtimes, boolean racy) {
    }

    private record ClassFiles(List<String> files, List<String> dirs, List<Long> mtimes, long nonImage,
            List<String> nonImageExamples) {
    }

    private static Walk walk(Path dir, List<String> folders, List<String> labelsOf, int threads) throws IOException {
        long walkStart = System.currentTimeMillis() * 1_000_000L;
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        List<ClassFiles> perFolder;
        try {
            perFolder = pool.submit(() -> folders.parallelStream().map(f -> {
                try {
                    return walkClass(dir, f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList()).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while indexing " + dir, e);
        } finally {
            pool.shutdown();
        }
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        int total = perFolder.stream().mapToInt(c -> c.files.size()).sum();
        int[] offsets = new int[total + 1];
        int[] labels = new int[total];
        List<String> dirs = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        long nonImage = 0;
        List<String> examples = new ArrayList<>();
        int k = 0;
        for (int f = 0; f < folders.size(); f++) {
            ClassFiles c = perFolder.get(f);
            int label = labelsOf.indexOf(folders.get(f));
            for (String name : c.files) {
                byte[] b = name.getBytes(StandardCharsets.UTF_8);
                names.write(b, 0, b.length);
                labels[k] = label;
                offsets[++k] = names.size();
            }
            dirs.addAll(c.dirs);
            times.addAll(c.mtimes);
            nonImage += c.nonImage;
            for (String e : c.nonImageExamples) {
                if (examples.size() < 3) {
                    examples.add(e);
                }
            }
        }
        long[] mtimes = times.stream().mapToLong(Long::longValue).toArray();
        boolean racy = Arrays.stream(mtimes).anyMatch(t -> t >= walkStart - RACY_NANOS);
        FolderIndex index = new FolderIndex(dir, labelsOf, names.toByteArray(), offsets, labels, nonImage, examples,
                false);
        return new Walk(index, dirs, mtimes, racy);
    }

    /** One class folder, recursively (torchvision follows subfolders too), files sorted by relative path. */
    private static ClassFiles walkClass(Path root, String cls) throws IOException {
        List<String> files = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        List<Long> mtimes = new ArrayList<>();
        long[] nonImage = {0};
        List<String> examples = new ArrayList<>();
        ArrayList<String> todo = new ArrayList<>(List.of(cls));
        while (!todo.isEmpty()) {
            String rel = todo.remove(todo.size() - 1);
            Path d = root.resolve(rel);
            // the time before the listing: a change during the listing makes the cache look stale, never fresh
            dirs.add(rel);
            mtimes.add(mtime(d));
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
                for (Path e : entries) {
                    String name = e.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    String child = rel + "/" + name;
                    if (ImageFolder.isImageName(e)) {
                        files.add(child);
                    } else if (Files.isDirectory(e)) {
                        todo.add(child);
                    } else {
                        nonImage[0]++;
                        if (examples.size() < 3) {
                            examples.add(child);
                        }
                    }
                }
            }
        }
        files.sort(null);
        return new ClassFiles(files, dirs, mtimes, nonImage[0], examples);
    }

    private static long mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS);
    }

    private static List<Path> cacheFiles(Path dir, Cache cache) {
        List<Path> out = new ArrayList<>();
        if (cache.inFolder()) {
            out.add(dir.resolve(CACHE_NAME));
        }
        if (cache.fallback() != null) {
            out.add(cache.fallback().resolve(fallbackName(dir)));
        }
        return out;
    }

    /** The cache's name in a shared folder: the data folder's absolute path, hashed. */
    static String fallbackName(Path dir) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return "index-" + HexFormat.of().formatHex(h, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeCache(Path dir, Cache cache, Walk walk, List<String> folders, Listener listener) {
        if (!cache.inFolder() && cache.fallback() == null) {
            return;
        }
        byte[] bytes;
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(buf, 1 << 16))) {
                FolderIndex idx = walk.index;
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeUTF(dir.toAbsolutePath().normalize().toString());
                writeList(out, folders);
                writeList(out, idx.classNames);
                out.writeInt(walk.dirs.size());
                for (int i = 0; i < walk.dirs.size(); i++) {
                    out.writeUTF(walk.dirs.get(i));
                    out.writeLong(walk.mtimes[i]);
                }
                out.writeInt(idx.size());
                out.writeInt(idx.names.length);
                out.write(idx.names);
                for (int i = 0; i < idx.size(); i++) {
                    out.writeInt(idx.offsets[i + 1]);
                    out.writeShort(idx.labels[i]); // at most 65,535 classes in a cache; checked below
                }
                out.writeLong(idx.nonImageFiles);
                writeList(out, idx.nonImageExamples);
            }
            bytes = buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
        if (walk.index.classNames.size() > 65_535) {
            return;
        }
        for (Path target : cacheFiles(dir, cache)) {
            try {
                AtomicFile.write(target, ch -> ch.write(ByteBuffer.wrap(bytes)));
                return;
            } catch (IOException e) {
                // read-only data: try the next place
            }
        }
        listener.note(dir + ": could not cache the file index (" + String.join(" or ", cacheFiles(dir, cache).stream()
                .map(Path::toString).toList()) + " not writable); it is built again on every start");
    }

    private static void writeList(DataOutputStream out, List<String> list) throws IOException {
        out.writeInt(list.size());
        for (String s : list) {
            out.writeUTF(s);
        }
    }

    private static List<String> readList(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("bad list length " + n);
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return out;
    }

    /** The cached index when it is intact and still describes the folder; null otherwise (then it is rebuilt). */
    static FolderIndex readCache(Path file, Path dir, List<String> folders, List<String> classes) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw,
                     1 << 16)))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION
                    || !in.readUTF().equals(dir.toAbsolutePath().normalize().toString())
                    || !readList(in).equals(folders) || !readList(in).equals(classes)) {
                return null;
            }
            int dirs = in.readInt();
            for (int i = 0; i < dirs; i++) {
                Path d = dir.resolve(in.readUTF());
                long t = in.readLong();
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) || mtime(d) != t) {
                    return null;
                }
            }
            int n = in.readInt();
            int bytes = in.readInt();
            if (n < 0 || bytes < 0 || bytes > Files.size(file) * 1100L) { // gzip of paths: well under 1100:1
                return null;
            }
            byte[] names = new byte[bytes];
            in.readFully(names);
            int[] offsets = new int[n + 1];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                offsets[i + 1] = in.readInt();
                labels[i] = in.readUnsignedShort();
                if (offsets[i + 1] < offsets[i] || offsets[i + 1] > bytes || labels[i] >= classes.size()) {
                    return null;
                }
            }
            long nonImage = in.readLong();
            List<String> examples = readList(in);
            return new FolderIndex(dir, classes, names, offsets, labels, nonImage, examples, true);
        } catch (IOException | RuntimeException e) {
            return null; // a damaged or foreign cache is rebuilt, never trusted
        }
    }

    /** Builds without any cache (tests, tools). */
    public static FolderIndex build(Path dir, List<String> classes, int threads) throws IOException {
        return load(dir, classes, false, Cache.NONE, threads, Listener.SILENT);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %,d images, %d classes%s", dir, size(), classNames.size(),
                fromCache ? " (cached index)" : "");
    }

    /** Reports notes to {@code sink}. */
    public static Listener listener(Consumer<String> sink) {
        return sink::accept;
    }
}
