package org.resnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.resnet4j.data.ImageFolder;

/** Expands image arguments: files as given, directories walked for image files in sorted order. */
final class ImageArguments {
    private ImageArguments() {
    }

    static List<Path> expand(List<Path> args) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).filter(ImageFolder::isImageName).sorted().forEach(out::add);
                }
            } else if (Files.exists(p)) {
                out.add(p);
            } else {
                throw new NoSuchFileException(p.toString(), null, "no such image or folder");
            }
        }
        return out;
    }
}
