package org.resnet4j.cli;

import java.io.PrintWriter;

import org.resnet4j.data.Datasets;

/** Reports downloads as progress and notes as lines on stderr. */
final class DownloadProgress implements Datasets.Listener {
    private final PrintWriter err;
    private Progress progress;
    private String file;

    DownloadProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void downloading(String name, long done, long total) {
        if (!name.equals(file)) {
            file = name;
            progress = Progress.start(err, "download " + name, total, "bytes");
        }
        progress.update(done);
        if (total > 0 && done == total) {
            progress.finish();
        }
    }

    @Override
    public void note(String message) {
        err.println(message);
    }
}
