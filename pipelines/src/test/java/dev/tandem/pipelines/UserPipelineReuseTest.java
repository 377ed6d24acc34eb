package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemSchemas;
import dev.tandem.spec.FeatureSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * A user's own Beam job: its own sources (here its own rows, with its own schema that has
 * extra fields and no sequence), Tandem's transform loaded from a spec file, then its own steps.
 */
class UserPipelineReuseTest {
  static final String SPEC = """
      name: shop
      tables:
        orders:
          role: request
          key: order_id
          time: at
          columns: {order_id: string, at: timestamp, customer: string}
      windows:
        last3: {partition: customer, rows: 2}
      features:
        - {name: order_id, expr: order_id}
        - {name: customer, expr: customer}
        - {name: recent_orders, expr: count(order_id), over: last3}
      """;

  @TempDir
  Path dir;

  @Test
  void aUsersPipelineAppliesTandemBetweenItsOwnSteps() throws Exception {
    Path specFile = dir.resolve("shop.yaml");
    Files.writeString(specFile, SPEC);
    FeatureSpec spec = FeatureSpec.load(specFile);

    // The user's own table: more fields than the spec needs, in another order, no __sequence.
    Schema orders = Schema.builder().addStringField("channel").addStringField("customer")
        .addDateTimeField("at").addStringField("order_id").build();
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PCollection<Row> rows = p.apply("User's orders", Create.of(
        order(orders, "web", "ann", 1, "o1"), order(orders, "app", "ann", 2, "o2"), order(orders, "web", "ann", 3, "o3"),
        order(orders, "web", "ann", 4, "o4"), order(orders, "app", "bob", 5, "o5")).withRowSchema(orders));

    PCollection<Row> features = PCollectionRowTuple.of("orders", rows).apply("Tandem features", TandemFeatures.of(spec));

    // The user's own steps after Tandem: keep repeat customers' orders, count them per customer.
    PCollection<KV<String, Long>> repeatOrders = features
        .apply("Repeat orders", Filter.by(r -> r.getInt64("recent_orders") > 1))
        .apply("By customer", MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("customer")))
        .apply(Count.perElement());
    PAssert.that(repeatOrders).containsInAnyOrder(KV.of("ann", 3L));
    Schema expectedSchema = TandemSchemas.output(spec);
    PAssert.that(features).satisfies(all -> {
      Map<String, Long> recent = new HashMap<>();
      all.forEach(r -> recent.put(r.getString("order_id"), r.getInt64("recent_orders")));
      assertThat(recent, is(Map.of("o1", 1L, "o2", 2L, "o3", 3L, "o4", 3L, "o5", 1L)));
      assertThat(all.iterator().next().getSchema(), is(expectedSchema));
      return null;
    });
    p.run().waitUntilFinish();
  }

  private static Row order(Schema schema, String channel, String customer, int minute, String id) {
    return Row.withSchema(schema).addValues(channel, customer, new Instant(1_450_000_000_000L + minute * 60_000L), id).build();
  }
}
