package dev.tandem.spec.encoding;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.FeaturePlan;
import java.util.List;

/**
 * Turns a feature row into the model's input ids, as the spec's {@code model} section declares.
 * Each id is xxHash64, seeded with the model seed, of {@code <feature name> U+0001 <token>}: the
 * token is the value's canonical text for {@code hash} inputs, the bucket number for
 * {@code buckets} inputs, and U+0000 for NULL. Naming the feature keeps equal values of
 * different features apart in one shared hashed embedding table. Offline and online call this.
 */
public final class ModelEncoder {
  private static final String NULL_TOKEN = "\u0000";

  private final ModelDef model;
  private final int[] featureIndex;
  private final Type[] types;
  private final java.time.ZoneOffset zone;

  public ModelEncoder(FeatureSpec spec) {
    this.model = spec.model();
    List<FeatureDef> features = spec.features();
    this.featureIndex = new int[model.inputs().size()];
    this.types = new Type[featureIndex.length];
    for (int i = 0; i < featureIndex.length; i++) {
      String name = model.inputs().get(i).feature();
      int index = 0;
      while (!features.get(index).name().equals(name)) {
        index++;
      }
      featureIndex[i] = index;
      types[i] = features.get(index).type();
    }
    this.zone = spec.timezone();
  }

  /** The number of ids per row. */
  public int width() {
    return featureIndex.length;
  }

  /** The ids of a feature row (an output row of {@link FeaturePlan#evaluate}). */
  public long[] encode(Object[] featureRow) {
    long[] ids = new long[featureIndex.length];
    for (int i = 0; i < ids.length; i++) {
      ModelDef.Input input = model.inputs().get(i);
      Object v = featureRow[featureIndex[i]];
      String token;
      if (v == null) {
        token = NULL_TOKEN;
      } else if (input.encoding() == ModelDef.Encoding.BUCKETS) {
        token = Integer.toString(bucket(((Number) v).doubleValue(), input.boundaries()));
      } else {
        token = Values.text(types[i], v, zone);
      }
      ids[i] = XxHash64.hash(input.feature() + '\u0001' + token, model.seed());
    }
    return ids;
  }

  /** The number of boundaries at or below the value: 0 .. boundaries.size(). */
  static int bucket(double value, List<Double> boundaries) {
    int b = 0;
    while (b < boundaries.size() && boundaries.get(b) <= value) {
      b++;
    }
    return b;
  }
}
