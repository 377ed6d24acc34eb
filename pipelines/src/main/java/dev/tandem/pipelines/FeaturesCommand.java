package dev.tandem.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "features", mixinStandardHelpOptions = true, description = "Computes the feature table of a spec from Parquet tables (DIR/<table>/*.parquet).")
final class FeaturesCommand implements Callable<Integer> {
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
