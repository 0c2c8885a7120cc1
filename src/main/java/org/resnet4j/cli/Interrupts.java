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
            i.signals.add(s);
            i.previous.add(Signal.handle(s, sig -> {
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
            }));
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
