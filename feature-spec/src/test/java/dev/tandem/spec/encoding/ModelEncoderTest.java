package dev.tandem.spec.encoding;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.Specs;
import java.util.List;
import org.junit.jupiter.api.Test;


class ModelEncoderTest {
  @Test
  void xxHash64MatchesTheReferenceVectors() {
    assertThat(XxHash64.hash("", 0), is(0xEF46DB3751D8E999L));
    assertThat(XxHash64.hash("a", 0), is(0xD24EC4F1A98C6E5BL));
    assertThat(XxHash64.hash("abc", 0), is(0x44BC2CF5AD770999L));
    assertThat(XxHash64.hash("Nobody inspects the spammish repetition", 0), is(0xFBCEA83C8A378BF1L));
  }

  @Test
  void idsHashTheCanonicalTextPerFeatureAndBucketNumbers() throws Exception {
    ModelEncoder encoder = encoder("""
        features:
          - {name: s, expr: s}
          - {name: s2, expr: s}
          - {name: f, expr: f}
        model:
          seed: 7
          inputs:
            - s
            - s2
            - {feature: f, encode: {buckets: [0.5, 1.0]}}
        """);
    assertThat(encoder.width(), is(3));
    long[] a = encoder.encode(new Object[] {"x", "x", 0.75f});
    assertThat(a[0], is(XxHash64.hash("s\u0001x", 7)));
    assertThat("the same value in another feature is another id", a[1], not(equalTo(a[0])));
    assertThat(a[2], is(XxHash64.hash("f\u00011", 7)));
    long[] b = encoder.encode(new Object[] {null, "", 1.0f});
    assertThat("NULL and '' are different ids", b[0], not(equalTo(XxHash64.hash("s\u0001", 7))));
    assertThat(b[2], is(XxHash64.hash("f\u00012", 7))); // a boundary belongs to the bucket above
    assertThat(ModelEncoder.bucket(-3, List.of(0.5, 1.0)), is(0));
  }

  @Test
  void rowsEncodedTogetherGetTheIdsEachGetsAlone() throws Exception {
    ModelEncoder encoder = encoder("""
        features:
          - {name: s, expr: s}
          - {name: f, expr: f}
          - {name: g, expr: f}
        model:
          inputs:
            - s
            - f
            - {feature: g, encode: {buckets: [0.5]}}
        """);
    List<Object[]> rows = List.of(new Object[] {"u", 0.0f, 0.0f}, new Object[] {"u", -0.0f, -0.0f},
        new Object[] {"u", -0.0f, 0.7f}, new Object[] {null, null, null}, new Object[] {"v", 1.5f, null},
        new Object[] {"v", 1.5f, 0.2f});
    long[][] together = encoder.encode(rows);
    for (int r = 0; r < rows.size(); r++) {
      assertThat("row " + r, together[r], equalTo(encoder.encode(rows.get(r))));
    }
    assertThat("0.0 and -0.0 have different texts, so different ids", together[1][1], not(equalTo(together[0][1])));
  }

  /** The encoder of the test tables with these features and model section. */
  private static ModelEncoder encoder(String featuresAndModel) throws Exception {
    return FeatureSpec.parse(Specs.TABLES + featuresAndModel, "m.yaml").modelEncoder();
  }
}
