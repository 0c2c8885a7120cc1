package org.resnet4j.data.download;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Unpacks .tar.gz archives, refusing entries that would land outside the destination. */
public final class Archives {
    private static final String UNPACKING = ".unpack";

    private Archives() {
    }

    /**
     * Extracts {@code archive} into {@code dest}: first into a temporary folder beside it, then each file is moved
     * into place unless a file of that name is already there (what the user has is never replaced or deleted; an
     * empty file, which no download or unpack of resnet4j leaves, is), so an interrupted unpack leaves at worst some
     * of the files. Links (symbolic or hard) are skipped: a data set needs none.
     *
     * @return a note for each entry skipped
     */
    public static List<String> untarGz(Path archive, Path dest) throws IOException {
        Files.createDirectories(dest);
        removeLeftovers(dest);
        List<String> notes = new ArrayList<>();
        Path tmp = Files.createTempDirectory(dest, UNPACKING);
        try {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                 TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                    Path out = tmp.resolve(e.getName()).normalize();
                    if (!out.startsWith(tmp)) {
                        throw new DownloadException(archive + ": entry " + e.getName() + " points outside the archive");
                    }
                    if (e.isSymbolicLink() || e.isLink()) {
                        notes.add(archive.getFileName() + ": skipped the " + (e.isLink() ? "hard" : "symbolic")
                                + " link " + e.getName() + " -> " + e.getLinkName());
                    } else if (e.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (e.isFile()) {
                        Files.createDirectories(out.getParent());
                        Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } catch (IOException e) {
                if (e instanceof DownloadException) {
                    throw e;
                }
                throw new DownloadException(archive + ": cannot unpack (" + e.getMessage() + ")", e);
            }
            try (var files = Files.walk(tmp)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    Path target = dest.resolve(tmp.relativize(p).toString());
                    boolean emptyLeftover = Files.isRegularFile(target) && Files.size(target) == 0
                            && Files.size(p) > 0;
                    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) || emptyLeftover) {
                        Files.createDirectories(target.getParent());
                        Files.move(p, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } finally {
            deleteTree(tmp);
        }
        return notes;
    }

    /** Temporary folders of unpacks that were killed midway. */
    private static void removeLeftovers(Path dest) throws IOException {
        try (var left = Files.newDirectoryStream(dest, UNPACKING + "*")) {
            for (Path p : left) {
                deleteTree(p);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
