package org.resnet4j.data.download;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.resnet4j.data.DatasetKind;

/** The official archives of the datasets resnet4j can fetch, with their published MD5s, and how to unpack them. */
public final class DatasetDownloads {
    private static final URI CIFAR = URI.create("https://www.cs.toronto.edu/~kriz/");
    private static final URI MNIST = URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/");
    private static final URI FASHION = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    private DatasetDownloads() {
    }

    /** What {@code kind} downloads, and where under the data root it goes. */
    public record Plan(List<RemoteFile> files, String subdirectory, boolean untar) {
    }

    public static boolean supports(DatasetKind kind) {
        return kind == DatasetKind.CIFAR10 || kind == DatasetKind.CIFAR100 || kind == DatasetKind.MNIST
                || kind == DatasetKind.FASHION_MNIST;
    }

    public static Plan plan(DatasetKind kind, URI mirror) {
        Plan p = switch (kind) {
            case CIFAR10 -> new Plan(List.of(new RemoteFile(CIFAR.resolve("cifar-10-binary.tar.gz"),
                    "cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")), "", true);
            case CIFAR100 -> new Plan(List.of(new RemoteFile(CIFAR.resolve("cifar-100-binary.tar.gz"),
                    "cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")), "", true);
            case MNIST -> new Plan(List.of(
                    idx(MNIST, "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                    idx(MNIST, "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                    idx(MNIST, "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                    idx(MNIST, "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")), "mnist", false);
            case FASHION_MNIST -> new Plan(List.of(
                    idx(FASHION, "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                    idx(FASHION, "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                    idx(FASHION, "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                    idx(FASHION, "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")), "fashion-mnist",
                    false);
            default -> throw new IllegalArgumentException(kind.id() + " cannot be downloaded");
        };
        if (mirror == null) {
            return p;
        }
        return new Plan(p.files().stream().map(f -> f.at(mirror)).toList(), p.subdirectory(), p.untar());
    }

    private static RemoteFile idx(URI base, String name, String md5) {
        return new RemoteFile(base.resolve(name), name, md5);
    }

    /**
     * Fetches (or takes the copy already in place), verifies and unpacks {@code kind} under {@code root}.
     *
     * @return a note for each file whose checksum did not match but was accepted
     */
    public static List<String> install(DatasetKind kind, Path root, URI mirror, boolean allowMismatch,
            FileListener listener) throws IOException {
        Plan plan = plan(kind, mirror);
        Path dir = plan.subdirectory().isEmpty() ? root : root.resolve(plan.subdirectory());
        List<String> notes = new ArrayList<>();
        for (RemoteFile f : plan.files()) {
            Downloader.Result r = Downloader.fetch(f, dir, allowMismatch, (done, total) ->
                    listener.progress(f.fileName(), done, total));
            if (!r.matches()) {
                notes.add(r.path() + ": MD5 " + r.md5() + " is not the published " + f.md5() + " (accepted)");
            }
            if (plan.untar()) {
                notes.addAll(Archives.untarGz(r.path(), dir));
            }
        }
        return notes;
    }

    /** Progress of one file's transfer. */
    @FunctionalInterface
    public interface FileListener {
        void progress(String file, long done, long total);
    }
}
