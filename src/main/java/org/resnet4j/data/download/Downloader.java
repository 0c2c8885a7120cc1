package org.resnet4j.data.download;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Fetches a file over HTTP(S) or from a {@code file:} URL into {@code <name>.part}, resuming a partial file where
 * the server honours ranges (restarting where it does not), renames it when complete, and checks its MD5.
 */
public final class Downloader {
    /** Told the bytes done so far and the total (-1 when the server does not say). */
    @FunctionalInterface
    public interface Listener {
        void progress(long done, long total);
    }

    private static final int TIMEOUT_MS = 30_000;

    private Downloader() {
    }

    /**
     * Downloads {@code file} into {@code dir} unless a complete copy is already there, and verifies it.
     *
     * @param allowMismatch keep a file whose MD5 differs from the published one (with the mismatch reported by the
     *                      returned result) instead of failing
     */
    public static Result fetch(RemoteFile file, Path dir, boolean allowMismatch, Listener listener) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(file.fileName());
        if (!Files.isRegularFile(target)) {
            Path part = dir.resolve(file.fileName() + ".part");
            try {
                transfer(file, part, listener);
            } catch (IOException e) {
                boolean partial = Files.isRegularFile(part) && Files.size(part) > 0;
                throw new DownloadException("cannot download " + file.uri() + " (" + describe(e) + ")" + (partial
                        ? "; the partial file " + part + " is kept and the next attempt resumes it" : ""), e);
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        String actual = md5(target);
        boolean matches = actual.equals(file.md5());
        if (!matches && !allowMismatch) {
            throw new DownloadException(target + ": MD5 " + actual + " differs from the published " + file.md5()
                    + " (corrupt download, or a different copy); delete it to download again, or accept it with"
                    + " --allow-checksum-mismatch");
        }
        return new Result(target, actual, matches);
    }

    /** Where the file lies, its MD5, and whether that is the published one. */
    public record Result(Path path, String md5, boolean matches) {
    }

    private static void transfer(RemoteFile file, Path part, Listener listener) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        URLConnection c = file.uri().toURL().openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        if (have > 0) {
            c.setRequestProperty("Range", "bytes=" + have + "-");
        }
        boolean resumed = false;
        if (c instanceof HttpURLConnection http) {
            int code = http.getResponseCode();
            if (code == 416 && have > 0) {
                // nothing left to send: the partial file is complete when the server's total says so; otherwise it
                // is not a prefix of this file (an older version, garbage) and is fetched again from the start
                long total = totalOf(http.getHeaderField("Content-Range"));
                http.disconnect();
                if (total != have) {
                    Files.delete(part);
                    transfer(file, part, listener);
                }
                return;
            }
            if (code != 200 && code != 206) {
                throw new IOException("HTTP " + code + " " + http.getResponseMessage());
            }
            resumed = code == 206;
        }
        long length = c.getContentLengthLong();
        long total = length < 0 ? -1 : (resumed ? have + length : length);
        long done = resumed ? have : 0;
        StandardOpenOption mode = resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (InputStream in = c.getInputStream();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
                done += n;
                listener.progress(done, total);
            }
        }
        if (total >= 0 && done != total) {
            throw new IOException("connection closed after " + done + " of " + total + " bytes");
        }
    }

    /** The total of a {@code Content-Range: bytes *}{@code /TOTAL} header, or -1. */
    private static long totalOf(String contentRange) {
        if (contentRange == null || contentRange.indexOf('/') < 0) {
            return -1;
        }
        try {
            return Long.parseLong(contentRange.substring(contentRange.indexOf('/') + 1).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public static String md5(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("MD5"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is always available", e);
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName().replace("Exception", "") + (m == null ? "" : ": " + m);
    }
}
