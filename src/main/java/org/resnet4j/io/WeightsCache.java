package org.resnet4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.resnet4j.data.download.DownloadException;
import org.resnet4j.data.download.Downloader;

/**
 * Where {@link PretrainedWeights} are kept: {@code hub/checkpoints/<file>} (torch.hub's layout) under
 * {@code $RESNET4J_CACHE}, else {@code ~/.cache/resnet4j}. A file is downloaded once (resuming a partial
 * {@code .part} file), kept only when its SHA-256 starts with the prefix its name carries (torch.hub's
 * {@code check_hash}), and used from then on without the network.
 */
public record WeightsCache(Path dir, String baseUrl) {
    /** The cache folder: the system property {@code resnet4j.cache}, else {@code $RESNET4J_CACHE}, else ~/.cache. */
    public static Path defaultDir() {
        String p = setting("resnet4j.cache", "RESNET4J_CACHE");
        return p != null ? Path.of(p) : Path.of(System.getProperty("user.home"), ".cache", "resnet4j");
    }

    /** The address the files come from: {@code resnet4j.weights.url}, else {@code $RESNET4J_WEIGHTS_URL}. */
    public static String defaultBaseUrl() {
        String p = setting("resnet4j.weights.url", "RESNET4J_WEIGHTS_URL");
        return p != null ? p : PretrainedWeights.BASE_URL;
    }

    public static WeightsCache standard() {
        return new WeightsCache(defaultDir(), defaultBaseUrl());
    }

    /** Where {@code w}'s file lies once fetched. */
    public Path path(PretrainedWeights w) {
        return path(w.fileName());
    }

    public Path path(String fileName) {
        return dir.resolve("hub").resolve("checkpoints").resolve(fileName);
    }

    /** {@code w}'s file: the cached copy, else downloaded (with progress) and verified. */
    public Path fetch(PretrainedWeights w, Downloader.Listener progress) throws IOException {
        return fetch(w.fileName(), w.id(), progress);
    }

    /**
     * The file {@code fileName} (torch.hub style, {@code name-<start of its SHA-256>.ext}) from the base address:
     * the cached copy, else downloaded (with progress) and kept only when its SHA-256 starts as its name says.
     * {@code what} names it in errors.
     */
    public Path fetch(String fileName, String what, Downloader.Listener progress) throws IOException {
        String prefix = PretrainedWeights.sha256Prefix(fileName);
        Path target = path(fileName);
        if (Files.isRegularFile(target)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(fileName + ".part");
        String url = (baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + fileName;
        try {
            Downloader.download(URI.create(url), part, progress);
        } catch (IOException e) {
            throw new DownloadException("cannot download " + what + " from " + url + " (" + Downloader.describe(e)
                    + "); fetch that file yourself and put it at " + target, e);
        }
        String sha = sha256(part);
        if (!sha.startsWith(prefix)) {
            Files.deleteIfExists(part);
            throw new DownloadException(url + ": the downloaded file's SHA-256 " + sha + " does not start with "
                    + prefix + " as its name says (a corrupt or different file); it was not kept");
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static String setting(String property, String env) {
        String p = System.getProperty(property);
        if (p == null || p.isBlank()) {
            p = System.getenv(env);
        }
        return p == null || p.isBlank() ? null : p;
    }
}
