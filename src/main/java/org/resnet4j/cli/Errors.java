package org.resnet4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** Turns every failure into one line on stderr and an exit status: 2 for bad usage, 1 for anything else. */
final class Errors {
    static final int USAGE = 2;
    static final int FAILURE = 1;

    private Errors() {
    }

    static int onBadUsage(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String hint = "see '" + cmd.getCommandSpec().qualifiedName() + " --help'";
        if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            hint = "did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        cmd.getErr().println(prefix(cmd) + "error: " + e.getMessage() + " (" + hint + ")");
        return USAGE;
    }

    static int onFailure(Exception e, CommandLine cmd, ParseResult parsed) {
        cmd.getErr().println(prefix(cmd) + "error: " + message(e));
        if (Boolean.getBoolean("resnet4j.debug")) {
            e.printStackTrace(cmd.getErr());
        }
        return e instanceof IllegalArgumentException ? USAGE : FAILURE;
    }

    private static String prefix(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName() + ": ";
    }

    /** The user-facing text of a failure: libtorch's first line, file errors with the path. */
    static String message(Throwable e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof NoSuchFileException f) {
            return (f.getReason() == null ? "no such file" : f.getReason()) + ": " + f.getFile();
        }
        if (t instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (t instanceof FileSystemException f) {
            return f.getReason() + ": " + f.getFile();
        }
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // libtorch appends a C++ backtrace; its first line is the message
        String first = msg.strip().lines().findFirst().orElse(msg);
        if (t instanceof IOException || t instanceof IllegalArgumentException || t instanceof IllegalStateException
                || t.getClass().getPackageName().startsWith("org.resnet4j")) {
            return first;
        }
        return first + " (" + t.getClass().getSimpleName() + "; run with -Dresnet4j.debug=true for details)";
    }
}
