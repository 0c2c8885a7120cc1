package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns the first SIGINT or SIGTERM into a request to stop after the current step (the trainer then saves a
 * checkpoint), and a second one into an immediate exit; the last checkpoint is whole either way, since checkpoints
 * are replaced atomically.
 *
 * <p>A process that starts with a signal ignored (a script's background command ignores SIGINT) cannot catch it: the
 * JVM leaves ignored shutdown signals alone and hands back SIG_IGN instead of installing a handler, and Java cannot
 * undo that. The launcher starts the JVM with SIGINT at its default so Ctrl-C works; where it is still ignored (the
 * library run from such a process), this says so at start and names the signal that does stop the run.
 */
final class Interrupts {
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile int received;

    private Interrupts() {
    }

    static Interrupts install(Runnable stop, PrintWriter err) {
        Interrupts i = new Interrupts();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal s = new Signal(name);
            SignalHandler before = Signal.handle(s, sig -> {
                if (i.received != 0) {
                    err.println("second " + sig.getName() + ": exiting now; the last checkpoint is intact");
                    err.flush();
                    Runtime.getRuntime().halt(128 + sig.getNumber());
                }
                i.received = sig.getNumber();
                err.println();
                err.println("SIG" + sig.getName() + ": stopping after this step and saving a checkpoint"
                        + " (again to quit at once)");
                err.flush();
                stop.run();
            });
            if (before == SignalHandler.SIG_IGN) {
                err.println("note: SIG" + name + " is ignored in this process (it was started in the background by a"
                        + " script?), so " + (name.equals("INT") ? "Ctrl-C" : "kill") + " cannot stop it; stop it with"
                        + " kill -" + (name.equals("INT") ? "TERM" : "INT") + " " + ProcessHandle.current().pid());
                err.flush();
                continue;
            }
            i.signals.add(s);
            i.previous.add(before);
        }
        return i;
    }

    void uninstall() {
        for (int k = 0; k < signals.size(); k++) {
            Signal.handle(signals.get(k), previous.get(k));
        }
    }

    /** 128 + the signal number, as shells report a command a signal ended. */
    int exitStatus() {
        return received == 0 ? 1 : 128 + received;
    }
}
