package dev.tandem.pipelines;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecError;
import dev.tandem.spec.SpecException;
import dev.tandem.testdata.JdGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code tandem} command line. Exit codes: 0 success, 2 a problem in the user's input
 * (spec, data, arguments), 1 an unexpected failure.
 */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0",
    description = "One YAML feature spec: point-in-time-correct training data offline, the same numbers online.",
    subcommands = {TandemCli.Validate.class, TandemCli.Features.class, TandemCli.TrainingSet.class, TandemCli.Generate.class})
public final class TandemCli implements Callable<Integer> {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new TandemCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("tandem: " + e.getMessage());
      e.getCommandLine().usage(err);
      return BAD_INPUT;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      err.println("tandem: " + e);
      e.printStackTrace(err);
      return FAILED;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    commandSpec.commandLine().usage(commandSpec.commandLine().getOut());
    return BAD_INPUT;
  }

  /** Loads a spec, printing each error as {@code file:line:col: message}; null when it does not load. */
  static FeatureSpec loadSpec(Path path, PrintWriter err) {
    try {
      return FeatureSpec.load(path);
    } catch (SpecException e) {
      for (SpecError error : e.errors()) {
        err.println(error);
      }
    } catch (NoSuchFileException e) {
      err.println(path + ":1:1: no such file");
    } catch (IOException e) {
      err.println(path + ":1:1: cannot read: " + e.getMessage());
    }
    return null;
  }

  @Command(name = "validate", mixinStandardHelpOptions = true, description = "Checks a spec: exit 0 when valid, else prints file:line:col: message per error and exits 2.")
  static final class Validate implements Callable<Integer> {
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

  @Command(name = "features", mixinStandardHelpOptions = true, description = "Computes the feature table of a spec from Parquet tables (DIR/<table>/*.parquet).")
  static final class Features implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    @CommandLine.Mixin
    OfflineOptions offline;

    @CommandLine.Unmatched
    List<String> beamOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return offline.run(OfflineJob.Kind.FEATURES, commandSpec.commandLine(), beamOptions);
    }
  }

  /** The options the offline commands share: spec, data, output, runner and Beam options. */
  static final class OfflineOptions {
    @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "the spec file")
    Path spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
        description = "folder with one sub-folder of Parquet files per table (a local path or a URL such as gs://...)")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
    String out;

    @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "Beam runner: direct (default), spark or dataflow")
    String runner;

    @Option(names = "--overwrite", description = "replace what Tandem wrote in --out before")
    boolean overwrite;

    FeatureSpec load(CommandLine cli) {
      return loadSpec(spec, cli.getErr());
    }

    int run(OfflineJob.Kind kind, CommandLine cli, List<String> beamOptions) throws IOException {
      FeatureSpec s = load(cli);
      return s == null ? BAD_INPUT : job(s, kind, cli, beamOptions).run();
    }

    /** Unknown options go to Beam (picocli gives them to the command, not to a mixin). */
    OfflineJob job(FeatureSpec s, OfflineJob.Kind kind, CommandLine cli, List<String> beamOptions) {
      return new OfflineJob(s, kind, data, out, runner, overwrite, beamOptions, cli.getOut(), cli.getErr());
    }
  }


  @Command(name = "training-set", mixinStandardHelpOptions = true, description = "Builds a training set: features, label and model ids, split by request time "
      + "into OUT/train, OUT/validation, OUT/test, with OUT/metadata.json.")
  static final class TrainingSet implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    @CommandLine.Mixin
    OfflineOptions offline;

    @Option(names = "--validation-from", paramLabel = "TIME",
        description = "first request time of the validation split (yyyy-MM-dd[ HH:mm:ss] in the spec's timezone, or an ISO "
            + "instant); default: 80%% into the requests' time span")
    String validationFrom;

    @Option(names = "--test-from", paramLabel = "TIME", description = "first request time of the test split; default: 90%% into the span")
    String testFrom;

    @CommandLine.Unmatched
    List<String> beamOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      PrintWriter err = commandSpec.commandLine().getErr();
      FeatureSpec s = offline.load(commandSpec.commandLine());
      if (s == null) {
        return BAD_INPUT;
      }
      if (s.model() == null || s.label() == null) {
        err.println(offline.spec + ":1:1: a training set needs a 'label' and a 'model' section");
        return BAD_INPUT;
      }
      java.time.Instant validation;
      java.time.Instant test;
      try {
        java.time.Instant[] range = validationFrom == null || testFrom == null
            ? dev.tandem.beam.TandemParquet.requestTimeRange(s, Path.of(offline.data)) : null;
        validation = validationFrom != null ? instant(validationFrom, s) : fraction(range, 0.8);
        test = testFrom != null ? instant(testFrom, s) : fraction(range, 0.9);
      } catch (IllegalArgumentException | IOException e) {
        err.println("bad split time: " + e.getMessage());
        return BAD_INPUT;
      }
      if (!validation.isBefore(test)) {
        err.println("--validation-from (" + validation + ") must be before --test-from (" + test + ")");
        return BAD_INPUT;
      }
      commandSpec.commandLine().getOut().println("splits: train before " + validation + ", validation before " + test
          + ", test from then on");
      return offline.job(s, new OfflineJob.Kind(true, validation, test), commandSpec.commandLine(), beamOptions).run();
    }

    private static java.time.Instant fraction(java.time.Instant[] range, double f) {
      long min = range[0].toEpochMilli();
      long max = range[1].toEpochMilli();
      return java.time.Instant.ofEpochMilli(min + (long) ((max - min) * f));
    }

    private static java.time.Instant instant(String text, FeatureSpec s) {
      try {
        return java.time.Instant.parse(text);
      } catch (java.time.format.DateTimeParseException e) {
        Object t = dev.tandem.spec.Values.parse(dev.tandem.spec.Type.TIMESTAMP, text, s.timezone());
        return (java.time.Instant) t;
      }
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true, description = "Writes JD-shaped tables (DIR/<table>/part-*.parquet) with a planted signal; "
      + "true probabilities go to DIR/_truth.")
  static final class Generate implements Callable<Integer> {
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
}
