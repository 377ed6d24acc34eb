package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCliTest.cli;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newcomer's first command, end to end on a small generated set: every stage, the real server, the calls. */
class DemoTest {
  @TempDir
  Path dir;

  @Test
  void theDemoRunsEveryStageAndTheServerAnswersEachCall() {
    String home = System.getProperty("tandem.home");
    System.setProperty("tandem.home", Path.of("..").toAbsolutePath().normalize().toString());
    try {
      TandemCliTest.Result r = cli("demo", "--scale", "3000", "--work", dir.toString());
      assertThat(r.out() + r.err(), r.code(), is(0));
      assertThat(r.out(), containsString("/recommend with 20 candidates -> 200"));
      assertThat(r.out(), containsString("/recommend without candidates (recall"));
      assertThat(r.out(), containsString("/recommend with a request-time value (the user's level is now 5) -> 200"));
      assertThat(r.out(), containsString("/health -> 200"));
      assertThat(r.out(), containsString("latency of 200 sequential /recommend calls"));
      assertThat(r.out(), containsString("Redis stopped; demo done"));
    } finally {
      if (home == null) {
        System.clearProperty("tandem.home");
      } else {
        System.setProperty("tandem.home", home);
      }
    }
  }
}
