package org.resnet4j.data.download;

import java.net.URI;

/** A file to fetch: where from, what to call it, and its published MD5 (lower-case hex). */
public record RemoteFile(URI uri, String fileName, String md5) {
    public RemoteFile {
        if (!md5.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("not an MD5 digest: " + md5);
        }
    }

    /** The same file from another base address (a mirror, or a local server in tests). */
    public RemoteFile at(URI base) {
        String b = base.toString().endsWith("/") ? base.toString() : base + "/";
        return new RemoteFile(URI.create(b + fileName), fileName, md5);
    }
}
