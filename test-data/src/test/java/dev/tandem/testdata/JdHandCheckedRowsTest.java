package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Seven requests of the real sample whose 42 values were derived independently (window rows
 * listed from the raw tables, values computed by hand and SQL): see jd-hand-checked.tsv.
 */
class JdHandCheckedRowsTest {
  record Expected(String caseName, String reqId, String feature, String text) {}

  static Map<String, GenericRecord> output;

  @BeforeAll
  static void features() throws Exception {
    output = JdSampleRun.byRequest();
  }

  @TestFactory
  List<DynamicTest> everyValueOfTheHandCheckedRequests() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Expected e : expected()) {
      tests.add(DynamicTest.dynamicTest("(" + e.caseName() + ") " + e.reqId() + " " + e.feature(), () -> {
        GenericRecord row = output.get(e.reqId());
        assertThat("request " + e.reqId() + " is in the output", row != null, is(true));
        assertThat(text(row, e.feature()), equalTo(e.text()));
      }));
    }
    assertThat(tests.size(), is(7 * 42));
    return tests;
  }

  /** The expected file's text form of an output value. */
  private static String text(GenericRecord row, String feature) {
    Object v = row.get(feature);
    if (v == null) {
      return "NULL";
    }
    boolean isTimestamp = row.getSchema().getField(feature).schema().getTypes().stream()
        .anyMatch(t -> t.getLogicalType() != null && t.getLogicalType().getName().equals("timestamp-millis"));
    return isTimestamp ? Instant.ofEpochMilli((Long) v).toString() : v.toString();
  }

  private static List<Expected> expected() throws IOException {
    List<Expected> out = new ArrayList<>();
    try (InputStream in = JdHandCheckedRowsTest.class.getResourceAsStream("/jd-hand-checked.tsv")) {
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      for (String line : lines) {
        if (line.startsWith("#") || line.startsWith("case\t") || line.isBlank()) {
          continue;
        }
        String[] f = line.split("\t", -1);
        out.add(new Expected(f[0], f[1], f[2], f[3]));
      }
    }
    return out;
  }
}
