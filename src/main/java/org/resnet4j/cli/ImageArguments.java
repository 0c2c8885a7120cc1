package org.resnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.resnet4j.data.ImageFolder;

/** Expands image arguments: files as given, directories walked for image files in sorted order. */
final class ImageArguments {
    static final String KINDS = "PNG, JPEG, BMP or GIF files (.png, .jpg, .jpeg, .bmp, .gif)";

    private ImageArguments() {
    }

    /**
     * The image files the arguments name. A folder without any is passed to {@code emptyFolder}; when no argument
     * yields an image at all, that is an error of its own.
     */
    static List<Path> expand(List<Path> args, Consumer<Path> emptyFolder) throws IOException {
        List<Path> out = new ArrayList<>();
        List<Path> empty = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    List<Path> found = walk.filter(Files::isRegularFile).filter(ImageFolder::isImageName).sorted()
                            .toList();
                    if (found.isEmpty()) {
                        empty.add(p);
                    }
                    out.addAll(found);
                }
            } else if (Files.exists(p)) {
                out.add(p);
            } else {
                throw new NoSuchFileException(p.toString(), null, "no such image or folder");
            }
        }
        if (out.isEmpty()) {
            throw new IOException("no images to read: " + (args.size() == 1 ? args.get(0)
                    + " holds no " : "the folders hold no ") + KINDS);
        }
        empty.forEach(emptyFolder);
        return out;
    }
}
