package dev.tandem.online.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private static final long SLOW = TimeUnit.SECONDS.toNanos(1);

  private static Deadline in100ms() {
    return Deadline.after(System.nanoTime(), 100);
  }

  @Test
  void aCallThatWouldQueuePastItsDeadlineIsRefusedOneThatFindsAWorkerFreeIsNot() {
    Admission admission = new Admission(1, 8);
    assertThat(admission.enter("recommend", in100ms()), nullValue());
    admission.exit("recommend", SLOW); // runs take a second now
    assertThat("a free worker takes the call whatever the pace", admission.enter("recommend", in100ms()), nullValue());
    assertThat(admission.enter("recommend", in100ms()),
        startsWith("the server cannot answer within the deadline of 100 ms now (1 calls ahead of this one)"));
    assertThat("another operation has its own pace", admission.enter("predict", in100ms()), nullValue());
    admission.exit("predict", 0);
    admission.exit("recommend", TimeUnit.MILLISECONDS.toNanos(1));
    assertThat("nothing in flight again", admission.enter("recommend", in100ms()), nullValue());
  }

  @Test
  void pastMaxInFlightEveryCallIsRefusedUntilOneEnds() {
    Admission admission = new Admission(4, 2);
    assertThat(admission.enter("recommend", in100ms()), nullValue());
    assertThat(admission.enter("recommend", in100ms()), nullValue());
    assertThat(admission.enter("recommend", in100ms()), is("the server is at its limit of 2 calls in flight; retry shortly"));
    admission.exit("recommend", 0);
    assertThat(admission.enter("recommend", in100ms()), nullValue());
  }
}
