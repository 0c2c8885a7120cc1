package org.resnet4j.testing;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.resnet4j.cli.Main;

/** Runs the command line in-process and captures what it prints. */
public final class Cli {
    public record Result(int exit, String out, String err) {
        /** The lines the command printed on stderr, progress lines excluded. */
        public java.util.List<String> errorLines() {
            return err.lines().filter(l -> l.contains("error")).toList();
        }
    }

    private Cli() {
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }
}
