package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;
import static dev.tandem.pipelines.TandemCli.OK;

import dev.tandem.testdata.JdGenerator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Writes JD-shaped tables (DIR/<table>/part-*.parquet) with a planted signal; "
    + "true probabilities go to DIR/_truth.")
final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--scale", required = true, paramLabel = "N", description = "number of requests")
  long scale;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
  Path folder;

  @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--mode", defaultValue = "realistic", paramLabel = "MODE",
      description = "realistic (default) or adversarial (ties, frame edges, hot keys, NULLs, odd keys)")
  String mode;

  @Option(names = "--positive-rate", defaultValue = "0.009", paramLabel = "R",
      description = "share of positive labels (default ${DEFAULT-VALUE}, near the real sample's)")
  double positiveRate;

  @Option(names = "--hot-key-rows", defaultValue = "0", paramLabel = "N",
      description = "add N behaviour rows to the first request's pair: one very hot key (default none)")
  long hotKeyRows;

  @Option(names = "--noise", defaultValue = "0", paramLabel = "X",
      description = "0 = labels follow the planted signal, 1 = labels ignore it (default ${DEFAULT-VALUE})")
  double noise;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    JdGenerator.Mode m;
    try {
      m = JdGenerator.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      err.println("unknown --mode '" + mode + "' (realistic or adversarial)");
      return BAD_INPUT;
    }
    JdGenerator.Options options;
    try {
      options = new JdGenerator.Options(scale, seed, m, positiveRate, noise);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return BAD_INPUT;
    }
    if (java.nio.file.Files.isDirectory(folder)) {
      try (var entries = java.nio.file.Files.list(folder)) {
        if (entries.findAny().isPresent()) {
          err.println("output folder " + folder + " is not empty");
          return BAD_INPUT;
        }
      }
    }
    JdGenerator.Summary s = new JdGenerator(options).withHotKey(hotKeyRows).generate(folder);
    out.printf(java.util.Locale.ROOT, "generated %d requests (%s, seed %d) in %.1f s: %.0f requests/s, %.0f rows/s%n",
        s.requests(), mode, seed, s.seconds(), s.requests() / s.seconds(),
        s.rows().values().stream().mapToLong(Long::longValue).sum() / s.seconds());
    s.rows().forEach((t, n) -> out.printf("  %-22s %,d rows%n", t, n));
    out.printf(java.util.Locale.ROOT, "labels: %d positive (%.4f); true-probability AUC %.4f (noise %.2f)%n",
        s.positives(), s.labelRate(), s.trueAuc(), noise);
    return OK;
  }
}
