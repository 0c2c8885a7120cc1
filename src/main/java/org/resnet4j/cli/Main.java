package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;

import org.resnet4j.config.Converters;
import org.resnet4j.data.Split;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Precision;
import org.resnet4j.train.Recipe;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code resnet4j}: the command line. Each subcommand parses its options and calls the library. */
@Command(name = "resnet4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "ResNet for the JVM: define, train, evaluate and study residual networks on libtorch.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, FeaturesCommand.class,
                ExportCommand.class, ReportCommand.class, GradientsCommand.class, ExperimentCommand.class,
                SummaryCommand.class, DataCommand.class, BenchCommand.class, InfoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (for example train,"
                + " eval or summary)");
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true"); // charts are drawn off screen
        PrintWriter err = new PrintWriter(System.err, true);
        int status;
        try {
            status = run(args, new PrintWriter(System.out, true), err);
        } catch (Throwable t) { // errors picocli does not catch: out of memory, a class that failed to initialise
            err.println("resnet4j: error: " + Errors.message(t));
            status = Errors.FAILURE;
        }
        System.exit(status);
    }

    /** Runs one command line; returns the exit status. Errors go to {@code err} as one line. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        for (Class<?> type : List.of(Recipe.class, Layout.class, Precision.class, Split.class)) {
            register(cli, type);
        }
        cli.setParameterExceptionHandler(Errors::onBadUsage);
        cli.setExecutionExceptionHandler(Errors::onFailure);
        return cli.execute(args);
    }

    /** Options outside the settings records read these types the way settings do (see Converters). */
    @SuppressWarnings("unchecked")
    private static <T> void register(CommandLine cli, Class<T> type) {
        cli.registerConverter(type, (CommandLine.ITypeConverter<T>) Converters.forType(type));
    }
}
