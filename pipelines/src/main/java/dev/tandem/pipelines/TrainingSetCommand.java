package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;

import dev.tandem.spec.FeatureSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "training-set", mixinStandardHelpOptions = true, description = "Builds a training set: features, label and model ids, split by request time "
    + "into OUT/train, OUT/validation, OUT/test, with OUT/metadata.json.")
final class TrainingSetCommand implements Callable<Integer> {
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
    FeatureSpec s = offline.input.load(commandSpec.commandLine());
    if (s == null) {
      return BAD_INPUT;
    }
    if (s.model() == null || s.label() == null) {
      err.println(offline.input.spec + ":1:1: a training set needs a 'label' and a 'model' section");
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
          ? dev.tandem.beam.TandemFiles.requestTimeRange(s, Storage.folder(offline.input.data)) : null;
      validation = validationFrom != null ? TandemCli.time(validationFrom, s) : fraction(range, 0.8);
      test = testFrom != null ? TandemCli.time(testFrom, s) : fraction(range, 0.9);
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
    long span = max - min;
    // A span over ~292 million years (times near both ends of a long) overflows: taken in doubles then.
    return java.time.Instant.ofEpochMilli(span >= 0 ? min + (long) (span * f) : (long) (min + ((double) max - min) * f));
  }
}
