package org.resnet4j.data.shard;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.data.DataFormatException;
import org.resnet4j.io.AtomicFile;

/**
 * One split's tar shards, with each shard's sample count and the class names: from the manifest
 * ({@code shards.json}) that {@link ShardWriter} writes beside them, else by scanning the tar headers (shards
 * written by WebDataset itself; classes are then numbered).
 */
public record ShardSet(Path dir, String split, List<Shard> shards, List<String> classNames) {
    public static final String MANIFEST = "shards.json";

    public record Shard(Path file, int samples) {
    }

    public long samples() {
        return shards.stream().mapToLong(Shard::samples).sum();
    }

    /** The shards of {@code split} ({@code <split>-NNNNNN.tar}) in {@code dir}. */
    public static ShardSet open(Path dir, String split) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifest)) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(manifest.toFile());
            } catch (IOException e) {
                throw new DataFormatException(manifest + ": not a readable shard manifest (" + e.getMessage() + ")",
                        e);
            }
            JsonNode s = root.path("splits").path(split);
            if (s.isMissingNode()) {
                throw new NoSuchFileException(manifest.toString(), null, "no '" + split + "' split in the manifest");
            }
            List<String> classes = new ArrayList<>();
            root.path("classes").forEach(c -> classes.add(c.asText()));
            List<Shard> shards = new ArrayList<>();
            for (JsonNode n : s.path("shards")) {
                Path f = dir.resolve(n.path("file").asText());
                if (!Files.isRegularFile(f)) {
                    throw new NoSuchFileException(f.toString(), null, "shard listed in " + manifest + " is missing");
                }
                shards.add(new Shard(f, n.path("samples").asInt()));
            }
            return new ShardSet(dir, split, List.copyOf(shards), List.copyOf(classes));
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, split + "-*.tar")) {
            ds.forEach(files::add);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(dir.toString(), null, "shard folder missing");
        }
        files.sort(null);
        if (files.isEmpty()) {
            throw new NoSuchFileException(dir.resolve(split + "-000000.tar").toString(), null, "no " + split
                    + " shards (" + split + "-NNNNNN.tar) in " + dir);
        }
        List<Shard> shards = new ArrayList<>();
        int maxLabel = -1;
        for (Path f : files) {
            int n = 0;
            try (TarSamples t = new TarSamples(f)) {
                for (TarSamples.Sample s; (s = t.next(false)) != null;) {
                    if (s.extension() != null && s.label() >= 0) {
                        n++;
                        maxLabel = Math.max(maxLabel, s.label());
                    }
                }
            }
            shards.add(new Shard(f, n));
        }
        List<String> classes = new ArrayList<>();
        for (int c = 0; c <= maxLabel; c++) {
            classes.add(String.format(Locale.ROOT, "class_%d", c));
        }
        return new ShardSet(dir, split, List.copyOf(shards), List.copyOf(classes));
    }

    /** Adds or replaces {@code split}'s entry in the manifest of {@code dir}, atomically. */
    static void writeManifest(Path dir, String split, List<Shard> shards, List<String> classes) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path manifest = dir.resolve(MANIFEST);
        ObjectNode root = Files.isRegularFile(manifest) ? (ObjectNode) json.readTree(manifest.toFile())
                : json.createObjectNode();
        root.put("format", "webdataset");
        ArrayNode cls = root.putArray("classes");
        classes.forEach(cls::add);
        ObjectNode splits = root.has("splits") ? (ObjectNode) root.get("splits") : root.putObject("splits");
        ObjectNode s = splits.putObject(split);
        s.put("samples", shards.stream().mapToLong(Shard::samples).sum());
        ArrayNode list = s.putArray("shards");
        for (Shard sh : shards) {
            list.addObject().put("file", sh.file().getFileName().toString()).put("samples", sh.samples());
        }
        AtomicFile.writeString(manifest, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }
}
