package org.resnet4j.data.download;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Unpacks .tar.gz archives, refusing entries that would land outside the destination. */
public final class Archives {
    private Archives() {
    }

    /**
     * Extracts {@code archive} into {@code dest}: first into a temporary folder beside it, then each file is moved
     * into place unless a file of that name is already there (what the user has is never replaced or deleted), so an
     * interrupted unpack leaves at worst some of the files.
     */
    public static void untarGz(Path archive, Path dest) throws IOException {
        Files.createDirectories(dest);
        Path tmp = Files.createTempDirectory(dest, ".unpack");
        try {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                 TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                    Path out = tmp.resolve(e.getName()).normalize();
                    if (!out.startsWith(tmp)) {
                        throw new DownloadException(archive + ": entry " + e.getName() + " points outside the archive");
                    }
                    if (e.isDirectory()) {
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
                    if (!Files.exists(target)) {
                        Files.createDirectories(target.getParent());
                        Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            }
        } finally {
            deleteTree(tmp);
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
