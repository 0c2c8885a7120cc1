package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Set;

import org.resnet4j.config.Converters;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

/** {@code resnet4j}: the command line. Each subcommand parses its options and calls the library. */
@Command(name = "resnet4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "ResNet for the JVM: define, train, evaluate, study and serve residual networks on libtorch.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, FeaturesCommand.class,
                ExportCommand.class, ServeCommand.class, ReportCommand.class, GradientsCommand.class, ExperimentCommand.class,
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
        Set<Class<?>> types = new HashSet<>();
        optionTypes(cli, types);
        types.forEach(t -> register(cli, t));
        cli.setParameterExceptionHandler(Errors::onBadUsage);
        cli.setExecutionExceptionHandler(Errors::onFailure);
        return cli.execute(args);
    }

    /** The option types of every command that read themselves (enums, types with a parse method). */
    private static void optionTypes(CommandLine cli, Set<Class<?>> types) {
        for (OptionSpec o : cli.getCommandSpec().options()) {
            Class<?> t = o.auxiliaryTypes().length > 0 ? o.auxiliaryTypes()[0] : o.type();
            if (Converters.forType(t) != null) {
                types.add(t);
            }
        }
        cli.getSubcommands().values().forEach(sub -> optionTypes(sub, types));
    }

    /** Options outside the settings records read these types the way settings do (see Converters). */
    @SuppressWarnings("unchecked")
    private static <T> void register(CommandLine cli, Class<T> type) {
        cli.registerConverter(type, (CommandLine.ITypeConverter<T>) Converters.forType(type));
    }
}
