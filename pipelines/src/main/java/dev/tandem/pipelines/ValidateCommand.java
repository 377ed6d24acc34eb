package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;
import static dev.tandem.pipelines.TandemCli.OK;
import static dev.tandem.pipelines.TandemCli.loadSpec;

import dev.tandem.spec.FeatureSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "validate", mixinStandardHelpOptions = true, description = "Checks a spec: exit 0 when valid, else prints file:line:col: message per error and exits 2.")
final class ValidateCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @Parameters(index = "0", paramLabel = "SPEC", description = "the spec file (YAML)")
  Path spec;

  @Override
  public Integer call() {
    PrintWriter out = commandSpec.commandLine().getOut();
    FeatureSpec s = loadSpec(spec, commandSpec.commandLine().getErr());
    if (s == null) {
      return BAD_INPUT;
    }
    out.printf("%s: valid (spec %s v%d: %d tables, %d windows, %d joins, %d features)%n", spec, s.name(), s.version(),
        s.tables().size(), s.windows().size(), s.joins().size(), s.features().size());
    return OK;
  }
}
