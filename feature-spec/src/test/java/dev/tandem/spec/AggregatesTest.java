package dev.tandem.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aggregates' steps: a removable aggregate follows a sliding window exactly. */
class AggregatesTest {
  private static final List<Object> VALUES = Arrays.asList(3L, null, 4L, 3L, -1L, null, 4L, 4L, 0L);

  /** The state after the values a window's loop would add (NULLs only where the aggregate counts them). */
  private static Aggregate.State fed(Aggregate aggregate, List<Object> values) {
    Aggregate.State state = aggregate.start();
    for (Object v : values) {
      if (v != null || aggregate.countsNull()) {
        state.add(v);
      }
    }
    return state;
  }

  /** Slides a window of three over the values: the state with removals equals the window computed afresh. */
  private static void slidesExactly(Aggregate aggregate) {
    assertThat(aggregate.removable(), equalTo(true));
    for (int end = 1; end <= VALUES.size(); end++) {
      int start = Math.max(0, end - 3);
      Aggregate.State sliding = fed(aggregate, VALUES.subList(0, end));
      for (Object v : VALUES.subList(0, start)) {
        if (v != null || aggregate.countsNull()) {
          sliding.remove(v);
        }
      }
      assertThat("window " + VALUES.subList(start, end), sliding.result(),
          equalTo(fed(aggregate, VALUES.subList(start, end)).result()));
    }
  }

  @Test
  void countsSumsOfIntegersAndFrequenciesSlide() {
    slidesExactly(new Aggregates.Count());
    slidesExactly(new Aggregates.Sum(Type.BIGINT));
    slidesExactly(new Aggregates.DistinctCount());
    slidesExactly(new Aggregates.Top1Ratio());
    slidesExactly(new Aggregates.TopnFrequency(Type.BIGINT, 2, ZoneOffset.UTC));
  }

  @Test
  void roundedSumsMeansAndExtremesDoNotSlide() {
    assertThat(new Aggregates.Sum(Type.DOUBLE).removable(), equalTo(false));
    assertThat(new Aggregates.Average().removable(), equalTo(false));
    assertThat(new Aggregates.Extreme(Type.BIGINT, true).removable(), equalTo(false));
  }

  @Test
  void everyFunctionIsInTheOneRegistry() {
    for (String name : List.of("count", "sum", "avg", "min", "max", "distinct_count", "top1_ratio", "topn_frequency",
        "count_where", "at", "lag", "first", "last")) {
      assertThat(name, Functions.get(name).readsWindow(), equalTo(true));
    }
    for (String name : List.of("dayofweek", "hour", "int", "string", "isnull", "concat", "if")) {
      assertThat(name, Functions.get(name).readsWindow(), equalTo(false));
    }
  }
}
