package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.loadSpec;

import dev.tandem.spec.FeatureSpec;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of every command that reads tables: the spec and the data folder. */
final class SpecAndData {
  @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "the spec file (YAML)")
  Path spec;

  @Option(names = "--data", required = true, paramLabel = "DIR",
      description = "folder with one sub-folder of Parquet files per table (a local path or a URL such as gs://...)")
  String data;

  /** The spec, or null with its errors printed as {@code file:line:col: message}. */
  FeatureSpec load(CommandLine cli) {
    return loadSpec(spec, cli.getErr());
  }
}
