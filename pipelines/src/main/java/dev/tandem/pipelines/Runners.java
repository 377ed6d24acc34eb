package dev.tandem.pipelines;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Turns {@code --runner NAME} and pass-through Beam options into {@link PipelineOptions}. */
final class Runners {
  private Runners() {}

  /** The options, or null (with a message) when the runner or an option is not known. */
  static PipelineOptions options(String runner, List<String> beamOptions, PrintWriter err) {
    List<String> args = new ArrayList<>(beamOptions);
    switch (runner.toLowerCase(java.util.Locale.ROOT)) {
      case "direct" -> {
        args.add("--runner=DirectRunner");
        // The Direct runner's checks copy every element several times: off by default here, on in tests.
        addDefault(args, "--enforceImmutability", "false");
        addDefault(args, "--enforceEncodability", "false");
      }
      default -> {
        err.println("unknown runner '" + runner + "' (available: direct)");
        return null;
      }
    }
    try {
      return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).withValidation().create();
    } catch (IllegalArgumentException e) {
      err.println("bad Beam option: " + e.getMessage());
      return null;
    }
  }

  private static void addDefault(List<String> args, String name, String value) {
    if (args.stream().noneMatch(a -> a.startsWith(name + "=") || a.equals(name))) {
      args.add(name + "=" + value);
    }
  }
}
