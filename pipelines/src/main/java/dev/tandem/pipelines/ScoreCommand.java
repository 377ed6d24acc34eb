package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;
import static dev.tandem.pipelines.TandemCli.loadSpec;

import dev.tandem.spec.FeatureSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true, description = "Scores Parquet rows carrying model ids (a training-set "
    + "split, or candidates encoded the same way) with a model from train; writes the rows plus a score column.")
final class ScoreCommand implements Callable<Integer> {
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
