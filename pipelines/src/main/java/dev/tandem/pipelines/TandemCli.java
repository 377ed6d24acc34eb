package dev.tandem.pipelines;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecError;
import dev.tandem.spec.SpecException;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tandem} command line. Exit codes: 0 success, 2 a problem in the user's input
 * (spec, data, arguments), 1 an unexpected failure.
 */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0",
    description = "One YAML feature spec: point-in-time-correct training data offline, the same numbers online.",
    subcommands = {ValidateCommand.class, FeaturesCommand.class, TrainingSetCommand.class, TrainCommand.class,
        ScoreCommand.class, GenerateCommand.class, MaterializeCommand.class, StateDigestCommand.class,
        StreamCommand.class, CheckConsistencyCommand.class, DemoCommand.class, ServeCommand.class})
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

  /**
   * A time argument: an ISO instant, or {@code yyyy-MM-dd[ HH:mm:ss]} in the spec's timezone.
   *
   * @throws IllegalArgumentException when it is neither
   */
  static Instant time(String text, FeatureSpec spec) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return (Instant) Values.parse(Type.TIMESTAMP, text, spec.timezone());
    }
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


}
