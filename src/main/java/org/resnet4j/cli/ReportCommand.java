package org.resnet4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.report.RunRecord;
import org.resnet4j.report.RunReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Pictures of a run (training curves, confusion matrix; PNG and SVG) and one self-contained"
                + " HTML page with its configuration and final figures.")
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run folder written by resnet4j train")
    Path run;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write (default RUN_DIR/report)")
    Path out;

    @Option(names = "--json", description = "print one JSON object naming the files written")
    boolean json;

    @Override
    public Integer call() throws Exception {
        RunReport.Written w = RunReport.write(RunRecord.read(run), out != null ? out : run.resolve("report"));
        if (json) {
            ObjectNode o = Json.object();
            o.put("html", w.html().toString());
            w.pictures().forEach(p -> o.withArray("pictures").add(p.toString()));
            Json.print(spec.commandLine().getOut(), o);
        } else {
            spec.commandLine().getOut().println("report: " + w.html() + " (" + w.pictures().size() + " pictures)");
        }
        return 0;
    }
}
