package org.resnet4j.data;

import java.util.Iterator;

/** The batches of one epoch, built ahead by data workers; closing it releases those built and not taken. */
public interface BatchStream extends Iterator<Batch>, AutoCloseable {
    @Override
    void close();
}
