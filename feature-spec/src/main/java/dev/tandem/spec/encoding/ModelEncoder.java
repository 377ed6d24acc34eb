package dev.tandem.spec.encoding;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.FeaturePlan;
import java.util.List;
import java.util.Objects;

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
      ids[i] = id(i, featureRow[featureIndex[i]]);
    }
    return ids;
  }

  /**
   * The ids of feature rows, each as {@link #encode(Object[])} gives it. A value equal to the row
   * before's in the same input reuses its id (equal values have one text): a recommendation's
   * candidates share every feature of their user.
   */
  public long[][] encode(List<Object[]> featureRows) {
    long[][] ids = new long[featureRows.size()][featureIndex.length];
    for (int r = 0; r < ids.length; r++) {
      Object[] row = featureRows.get(r);
      Object[] previous = r == 0 ? null : featureRows.get(r - 1);
      for (int i = 0; i < featureIndex.length; i++) {
        Object v = row[featureIndex[i]];
        ids[r][i] = previous != null && Objects.equals(v, previous[featureIndex[i]]) ? ids[r - 1][i] : id(i, v);
      }
    }
    return ids;
  }

  private long id(int input, Object value) {
    ModelDef.Input in = model.inputs().get(input);
    String token;
    if (value == null) {
      token = NULL_TOKEN;
    } else if (in.encoding() == ModelDef.Encoding.BUCKETS) {
      token = Integer.toString(bucket(((Number) value).doubleValue(), in.boundaries()));
    } else {
      token = Values.text(types[input], value, zone);
    }
    return XxHash64.hash(in.feature() + '\u0001' + token, model.seed());
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
