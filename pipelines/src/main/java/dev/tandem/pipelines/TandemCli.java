package dev.tandem.pipelines;

import dev.tandem.model.ModelException;
import dev.tandem.model.TrainOptions;
import dev.tandem.model.Trainer;
import dev.tandem.model.TrainingReport;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecError;
import dev.tandem.spec.SpecException;
import dev.tandem.testdata.JdGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
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
    subcommands = {TandemCli.Validate.class, TandemCli.Features.class, TandemCli.TrainingSet.class, TandemCli.Train.class,
        TandemCli.Score.class, TandemCli.Generate.class, TandemCli.Materialize.class, TandemCli.StateDigestCommand.class,
        CheckConsistencyCommand.class, DemoCommand.class})
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

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (a local path or a URL such as gs://...)")
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
      // The options first: they register the file systems the data may be on (gs://, hdfs://, ...).
      PipelineOptions options = Runners.options(offline.runner, beamOptions, err);
      if (options == null) {
        return BAD_INPUT;
      }
      FileSystems.setDefaultPipelineOptions(options);
      java.time.Instant validation;
      java.time.Instant test;
      try {
        java.time.Instant[] range = validationFrom == null || testFrom == null
            ? dev.tandem.beam.TandemParquet.requestTimeRange(s, Storage.folder(offline.data)) : null;
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
      return offline.job(s, new OfflineJob.Kind(true, validation, test), commandSpec.commandLine(), beamOptions).run(options);
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

  @Command(name = "materialize", mixinStandardHelpOptions = true, description = "Computes the spec's online state from Parquet "
      + "tables (DIR/<table>/*.parquet) into a new generation in Redis, makes it current, then deletes older generations.")
  static final class Materialize implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "the spec file")
    Path spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
        description = "folder with one sub-folder of Parquet files per table (a local path or a URL such as gs://...)")
    String data;

    @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT of a Redis or Redis Cluster node")
    String redis;

    @Option(names = "--as-of", paramLabel = "TIME",
        description = "leave out rows after this time (yyyy-MM-dd[ HH:mm:ss] in the spec's timezone, or an ISO instant)")
    String asOf;

    @Option(names = "--grace-seconds", defaultValue = "5", paramLabel = "N",
        description = "wait after the switch before deleting older generations, so readers of the old one finish (default ${DEFAULT-VALUE})")
    int graceSeconds;

    @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "Beam runner: direct (default) or spark")
    String runner;

    @CommandLine.Unmatched
    List<String> beamOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      PrintWriter err = commandSpec.commandLine().getErr();
      FeatureSpec s = loadSpec(spec, err);
      if (s == null) {
        return BAD_INPUT;
      }
      java.time.Instant cut = null;
      if (asOf != null) {
        try {
          cut = TrainingSet.instant(asOf, s);
        } catch (IllegalArgumentException e) {
          err.println("bad --as-of: " + e.getMessage());
          return BAD_INPUT;
        }
      }
      if (graceSeconds < 0) {
        err.println("--grace-seconds must be 0 or more, got " + graceSeconds);
        return BAD_INPUT;
      }
      return new MaterializeJob(s, data, redis, cut, graceSeconds, runner, beamOptions, commandSpec.commandLine().getOut(),
          err).run();
    }
  }

  @Command(name = "state-digest", mixinStandardHelpOptions = true, description = "Prints a SHA-256 of the current generation's "
      + "state (keys without the generation, and values), its key count and value bytes: equal for equal state.")
  static final class StateDigestCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "the spec file (its name and version name the state)")
    Path spec;

    @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT of a Redis or Redis Cluster node")
    String redis;

    @Override
    public Integer call() {
      PrintWriter err = commandSpec.commandLine().getErr();
      FeatureSpec s = loadSpec(spec, err);
      if (s == null) {
        return BAD_INPUT;
      }
      try (dev.tandem.online.RedisState state = MaterializeJob.connect(redis, err)) {
        if (state == null) {
          return BAD_INPUT;
        }
        commandSpec.commandLine().getOut().println(StateDigest.of(state, MaterializeJob.keys(s)).line());
        return OK;
      } catch (IllegalStateException e) {
        err.println("state-digest: " + e.getMessage());
        return BAD_INPUT;
      }
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true, description = "Trains a DeepFM on a training set (the output of "
      + "training-set) and writes a serving SavedModel, tandem-model.json, metrics.json and training.png to --out.")
  static final class Train implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    @Option(names = "--train", required = true, paramLabel = "DIR", description = "a training set folder (metadata.json, train/, validation/, test/)")
    Path trainingSet;

    @Option(names = "--out", required = true, paramLabel = "MODEL_DIR", description = "the model folder to create (must not exist or be empty)")
    Path modelDir;

    @Option(names = "--epochs", paramLabel = "N", description = "most passes over the train split (default " + TrainOptions.DEFAULT_EPOCHS + ")")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "examples per step (default " + TrainOptions.DEFAULT_BATCH_SIZE + ")")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "X", description = "Adam learning rate of the dense layers (default " + TrainOptions.DEFAULT_LEARNING_RATE + ")")
    Float learningRate;

    @Option(names = "--embedding-lr", paramLabel = "X",
        description = "Adagrad learning rate of the embedding tables (default " + TrainOptions.DEFAULT_EMBEDDING_LEARNING_RATE + ")")
    Float embeddingLearningRate;

    @Option(names = "--embedding-dim", paramLabel = "N", description = "embedding width (default " + TrainOptions.DEFAULT_EMBEDDING_DIM + ")")
    Integer embeddingDim;

    @Option(names = "--dnn", paramLabel = "W,W,...", split = ",", description = "DNN layer widths (default 400,400,400)")
    List<Integer> dnn;

    @Option(names = "--dropout", paramLabel = "X", description = "DNN dropout rate (default " + TrainOptions.DEFAULT_DROPOUT + ")")
    Float dropout;

    @Option(names = "--table-size", paramLabel = "N",
        description = "rows of the shared hashed embedding table (default " + TrainOptions.DEFAULT_TABLE_SIZE + ")")
    Integer tableSize;

    @Option(names = "--seed", paramLabel = "N", description = "seed of weights, dropout and shuffling (default " + TrainOptions.DEFAULT_SEED + ")")
    Long seed;

    @Option(names = "--patience", paramLabel = "N",
        description = "stop after N epochs without a better validation AUC (default " + TrainOptions.DEFAULT_PATIENCE + ")")
    Integer patience;

    @Option(names = "--truth", paramLabel = "DIR",
        description = "a generator's _truth folder: also report the true-probability AUC of the test split, the best any model can do")
    Path truth;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = commandSpec.commandLine().getOut();
      PrintWriter err = commandSpec.commandLine().getErr();
      TrainOptions options;
      try {
        TrainOptions.Builder b = TrainOptions.builder(trainingSet, modelDir);
        if (epochs != null) b.epochs(epochs);
        if (batchSize != null) b.batchSize(batchSize);
        if (learningRate != null) b.learningRate(learningRate);
        if (embeddingLearningRate != null) b.embeddingLearningRate(embeddingLearningRate);
        if (embeddingDim != null) b.embeddingDim(embeddingDim);
        if (dnn != null) b.dnn(dnn);
        if (dropout != null) b.dropout(dropout);
        if (tableSize != null) b.tableSize(tableSize);
        if (seed != null) b.seed(seed);
        if (patience != null) b.patience(patience);
        options = b.build();
      } catch (IllegalArgumentException e) {
        err.println("bad option: " + e.getMessage());
        return BAD_INPUT;
      }
      TrainingReport report;
      try {
        report = Trainer.train(options, printStream(out));
      } catch (ModelException e) {
        err.println("training error: " + e.getMessage());
        return BAD_INPUT;
      }
      TrainingReport.Split test = report.test();
      out.printf(Locale.ROOT, "model -> %s: kept epoch %d (validation AUC %.4f); test AUC %.4f, logloss %.5f (%,d rows, %,d positive)%n",
          modelDir, report.bestEpoch(), report.best().validationAuc(), test.auc(), test.logLoss(), test.rows(), test.positives());
      if (truth != null) {
        try {
          double trueAuc = TruthCheck.testSplitAuc(trainingSet, truth);
          out.printf(Locale.ROOT, "test split: true-probability AUC %.4f, model AUC %.4f, gap %.4f%n", trueAuc, test.auc(),
              trueAuc - test.auc());
        } catch (IllegalArgumentException | IOException e) {
          err.println("truth error: " + e.getMessage());
          return BAD_INPUT;
        }
      }
      return OK;
    }

    /** The trainer prints to a PrintStream; the CLI writes to a PrintWriter (captured in tests). */
    private static PrintStream printStream(PrintWriter writer) {
      return new PrintStream(new OutputStream() {
        @Override
        public void write(int b) {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          writer.write(new String(b, off, len, StandardCharsets.UTF_8));
          writer.flush();
        }
      }, true, StandardCharsets.UTF_8);
    }
  }

  @Command(name = "score", mixinStandardHelpOptions = true, description = "Scores Parquet rows carrying model ids (a training-set "
      + "split, or candidates encoded the same way) with a model from train; writes the rows plus a score column.")
  static final class Score implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    @Option(names = "--model", required = true, paramLabel = "MODEL_DIR",
        description = "a model folder written by train (a local path or a URL such as gs://...)")
    String model;

    @Option(names = "--data", required = true, paramLabel = "DIR",
        description = "a folder of Parquet files, e.g. TRAINING_SET/test (a local path or a URL such as gs://...)")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (a local path or a URL)")
    String out;

    @Option(names = "--spec", paramLabel = "SPEC", description = "refuse to run unless the model was trained for this spec")
    Path spec;

    @Option(names = "--ids-column", defaultValue = "model_ids", paramLabel = "NAME", description = "the column of model ids (default ${DEFAULT-VALUE})")
    String idsColumn;

    @Option(names = "--batch-size", defaultValue = "1000", paramLabel = "N", description = "rows per model call (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "Beam runner: direct (default), spark or dataflow")
    String runner;

    @Option(names = "--overwrite", description = "replace what Tandem wrote in --out before")
    boolean overwrite;

    @CommandLine.Unmatched
    List<String> beamOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      FeatureSpec s = null;
      if (spec != null && (s = loadSpec(spec, commandSpec.commandLine().getErr())) == null) {
        return BAD_INPUT;
      }
      return new ScoringJob(model, s, data, out, idsColumn, batchSize, runner, overwrite, beamOptions,
          commandSpec.commandLine().getOut(), commandSpec.commandLine().getErr()).run();
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
