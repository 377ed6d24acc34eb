package dev.tandem.online;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.spec.def.Type;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Instant;
import org.junit.jupiter.api.Test;


/** JSON to typed values against the spec's column types: every type, NULL, and errors that name the field. */
class JsonValuesTest {
  private static Object from(Type type, String json) {
    return JsonValues.fromJson(type, new JsonObject("{\"v\": " + json + "}").getValue("v"), "f.v");
  }

  private static HttpError error(Type type, String json) {
    return assertThrows(HttpError.class, () -> from(type, json));
  }

  @Test
  void everyType() {
    assertThat(from(Type.STRING, "\"a b\""), is("a b"));
    assertThat(from(Type.INT, "-7"), is(-7));
    assertThat(from(Type.BIGINT, "9007199254740993"), is(9007199254740993L));
    assertThat(from(Type.BIGINT, "-9223372036854775808"), is(Long.MIN_VALUE));
    assertThat(from(Type.FLOAT, "0.1"), is(0.1f));
    assertThat(from(Type.FLOAT, "3"), is(3.0f));
    assertThat(from(Type.DOUBLE, "1e-3"), is(0.001));
    assertThat(from(Type.BOOL, "true"), is(true));
    assertThat(from(Type.TIMESTAMP, "\"2016-04-05T08:00:00Z\""), is(Instant.parse("2016-04-05T08:00:00Z")));
    assertThat(from(Type.TIMESTAMP, "\"2016-04-05T16:00:00+08:00\""), is(Instant.parse("2016-04-05T08:00:00Z")));
    assertThat(from(Type.TIMESTAMP, "\"2016-04-05T08:00:00.123456Z\""), is(Instant.parse("2016-04-05T08:00:00.123Z")));
    assertThat(from(Type.TIMESTAMP, "1459843200000"), is(Instant.ofEpochMilli(1459843200000L)));
    for (Type t : new Type[] {Type.STRING, Type.INT, Type.BIGINT, Type.FLOAT, Type.DOUBLE, Type.TIMESTAMP, Type.BOOL}) {
      assertThat(t.name(), from(t, "null"), nullValue());
    }
  }

  @Test
  void errorsNameTheFieldAndWhatWasExpected() {
    HttpError e = error(Type.INT, "\"7\"");
    assertThat(e.field(), is("f.v"));
    assertThat(e.status(), is(400));
    assertThat(e.getMessage(), is("expected an int, got the string \"7\""));
    assertThat(error(Type.INT, "2147483648").getMessage(), containsString("32 bits"));
    assertThat(error(Type.INT, "1.5").getMessage(), containsString("expected an int"));
    assertThat(error(Type.BIGINT, "9223372036854775808").getMessage(), containsString("out of range"));
    assertThat(error(Type.FLOAT, "1e39").getMessage(), containsString("out of the float range"));
    assertThat(error(Type.DOUBLE, "\"x\"").getMessage(), containsString("expected a double"));
    assertThat(error(Type.STRING, "5").getMessage(), is("expected a string, got the number 5"));
    assertThat(error(Type.STRING, "{}").getMessage(), is("expected a string, got an object"));
    assertThat(error(Type.BOOL, "1").getMessage(), containsString("expected true or false"));
    assertThat(error(Type.TIMESTAMP, "\"2016-04-05\"").getMessage(), containsString("expected a timestamp"));
    assertThat(error(Type.TIMESTAMP, "true").getMessage(), containsString("expected a timestamp"));
    assertThat(JsonValues.fromJson(Type.BIGINT, BigInteger.valueOf(5), "x"), is(5L));
  }

  @Test
  void valuesGoOutAsTheyCameIn() {
    assertThat(JsonValues.toJson(Type.TIMESTAMP, Instant.parse("2016-04-05T08:00:00.120Z")), is("2016-04-05T08:00:00.120Z"));
    assertThat(JsonValues.toJson(Type.FLOAT, 0.1f), is(0.1f));
    assertThat(new JsonObject().put("v", 0.1f).encode(), is("{\"v\":0.1}"));
    assertThat(new JsonObject().put("v", 0.70000005f).encode(), is("{\"v\":0.70000005}"));
    assertThat(JsonValues.toJson(Type.STRING, null), nullValue());
  }
}
