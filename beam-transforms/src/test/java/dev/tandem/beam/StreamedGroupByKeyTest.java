package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;

/**
 * The group runs in the single window (so Beam's Spark runner takes its streaming, sort-based
 * group), yet groups like a GroupByKey and hands back globally windowed output.
 */
class StreamedGroupByKeyTest {
  @Test
  void groupsInTheSingleWindowAndReturnsToTheGlobalWindow() {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PCollection<KV<Integer, Iterable<String>>> grouped = p
        .apply(Create.of(KV.of(1, "a"), KV.of(2, "b"), KV.of(1, "c")))
        .apply(StreamedGroupByKey.create());
    assertThat(grouped.getWindowingStrategy().getWindowFn(), instanceOf(GlobalWindows.class));

    PCollection<String> sizes = grouped.apply(MapElements.into(TypeDescriptors.strings())
        .via(kv -> kv.getKey() + ":" + toList(kv.getValue()).size()));
    PAssert.that(sizes).containsInAnyOrder("1:2", "2:1");

    List<Object> groupInputWindows = new ArrayList<>();
    p.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof GroupByKey && !node.getFullName().startsWith("PAssert")) {
          for (PValue in : node.getInputs().values()) {
            groupInputWindows.add(((PCollection<?>) in).getWindowingStrategy().getWindowFn());
          }
        }
      }
    });
    assertThat(groupInputWindows.size(), is(1));
    assertThat(groupInputWindows.get(0), instanceOf(StreamedGroupByKey.SingleWindow.class));
    p.run().waitUntilFinish();
  }

  private static List<String> toList(Iterable<String> values) {
    List<String> list = new ArrayList<>();
    values.forEach(list::add);
    return list;
  }
}
