package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tandem serve}: the scoring server runs from its own jar ({@code tandem-server.jar}: no
 * Beam, Spark or Hadoop), so this command starts that jar with the same arguments and waits for
 * it. {@code ./tandem serve} goes to the server's jar directly.
 */
@Command(name = "serve", description = "Runs the scoring server (/recommend, /predict, /features, /events, /health, /metrics) from "
    + "its own jar, with these arguments: `tandem serve --help` lists its options.")
final class ServeCommand implements Callable<Integer> {
  static final String JAR = "online-server/target/tandem-server.jar";
  /**
   * The server JVM's options unless {@code TANDEM_SERVER_JAVA_OPTS} says otherwise (the
   * {@code tandem} script has the same default): a heap of fixed size, touched at start, so the
   * process's memory is what it is from the first request on (TensorFlow's memory is off-heap).
   */
  static final String DEFAULT_JAVA_OPTS = "-Xms1g -Xmx1g -XX:+AlwaysPreTouch";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @CommandLine.Unmatched
  List<String> serverArgs = new ArrayList<>();

  /** {@code java [TANDEM_SERVER_JAVA_OPTS or the default] -jar JAR}: the server's arguments go after it. */
  static List<String> javaCommand(Path jar) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    String options = System.getenv("TANDEM_SERVER_JAVA_OPTS");
    for (String option : (options == null ? DEFAULT_JAVA_OPTS : options).trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    command.addAll(List.of("-jar", jar.toString()));
    return command;
  }

  @Override
  public Integer call() throws Exception {
    Path jar = serverJar();
    if (jar == null) {
      commandSpec.commandLine().getErr().println("tandem serve: " + JAR + " not found; build it with "
          + "`mvn -B -ntp -pl online-server -am install -DskipTests`");
      return BAD_INPUT;
    }
    List<String> command = javaCommand(jar);
    command.addAll(serverArgs);
    Process server = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).redirectErrorStream(true).start();
    Thread stop = new Thread(server::destroy, "tandem-serve-stop"); // SIGTERM to the CLI stops the server gracefully
    Runtime.getRuntime().addShutdownHook(stop);
    PrintWriter out = commandSpec.commandLine().getOut();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        out.println(line);
      }
    }
    int code = server.waitFor();
    try {
      Runtime.getRuntime().removeShutdownHook(stop);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: the server was stopped by it
    }
    return code;
  }

  /** The server's jar under {@code tandem.home} (set by ./tandem), the working folder or its parent; null when absent. */
  static Path serverJar() {
    List<Path> roots = new ArrayList<>();
    if (System.getProperty("tandem.home") != null) {
      roots.add(Path.of(System.getProperty("tandem.home")));
    }
    roots.add(Path.of("").toAbsolutePath());
    roots.add(Path.of("").toAbsolutePath().getParent());
    return roots.stream().filter(r -> r != null).map(r -> r.resolve(JAR)).filter(Files::isRegularFile).findFirst().orElse(null);
  }
}
