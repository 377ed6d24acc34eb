package dev.tandem.spec.expr;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one registry of functions: every window and scalar function, each telling whether it reads a window. */
class FunctionsTest {

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
