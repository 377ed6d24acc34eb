package dev.tandem.online.server;


import dev.tandem.online.JdFixture;
import dev.tandem.online.RedisState;
import dev.tandem.online.TinyJdModel;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile HTTP: 10,000 seeded random requests over every endpoint, each a valid call with one to
 * three things broken (wrong types, missing and unknown fields, huge strings and arrays, deep
 * nesting, invalid UTF-8, NaN, far-future times, over-long request lines and headers, cut-off
 * bodies), sent byte for byte over a socket so that nothing is cleaned up by a client library.
 * The server must answer every one: no 5xx, no connection closed without an answer, and every
 * 4xx a JSON error naming the field at fault (414 and 431 for an over-long line or headers).
 */
class HostileHttpTest {
  private static final int REQUESTS = 10_000;
  private static final long SEED = 20261205L;
  private static final String TOKEN = "hostile-token-" + java.util.UUID.randomUUID();
  private static final String NESTED = "@@nested@@";
  private static final Instant NOW = JdFixture.T.plus(java.time.Duration.ofHours(1));

  @TempDir static Path dir;
  static FeatureSpec spec;
  static LocalRedis redis;
  static TandemServer server;

  @BeforeAll
  static void start() throws Exception {
    spec = JdFixture.jdSpec();
    JdFixture fixture = JdFixture.create(spec, 7);
    Path model = TinyJdModel.get(spec, fixture);
    redis = LocalRedis.start(dir.resolve("redis"));
    try (RedisState state = RedisState.connect(redis.uri())) {
      fixture.ingestAsCurrent(spec, state);
    }
    // A generous deadline: this test is about what the server answers, not how fast on a busy machine.
    server = TandemServer.start(ServerConfig.of(Map.of("spec", JdFixture.specPath().toString(), "model", model.toString(),
        "redis", redis.uri(), "port", "0", "warmup-batches", "1", "api-token", TOKEN, "timeout-ms", "20000",
        "idle-timeout-ms", "30000", "max-in-flight", "1000")));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  record Answer(int status, String body) {}

  record Outcome(String request, Answer answer, String problem) {}

  @Test
  void everyHostileRequestGetsAnAnswerBelow500NamingTheField() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(4);
    List<Future<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      Random random = new Random(SEED * 31 + i);
      outcomes.add(clients.submit(() -> judge(new Hostile(random).request())));
    }
    List<String> problems = new ArrayList<>();
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (Future<Outcome> f : outcomes) {
      Outcome o = f.get();
      if (o.answer() != null) {
        statuses.merge(o.answer().status(), 1, Integer::sum);
      }
      if (o.problem() != null && problems.size() < 20) {
        problems.add(o.problem() + "\n    request: " + abbreviate(o.request()) + "\n    answer: "
            + (o.answer() == null ? "none" : o.answer().status() + " " + abbreviate(o.answer().body())));
      }
    }
    clients.shutdown();
    System.out.println("hostile HTTP: " + REQUESTS + " requests, answers by status " + statuses);
    assertThat(String.join("\n", problems), problems, is(empty()));
    assertThat("the fuzzer reaches the handlers, not only the parser", statuses.getOrDefault(200, 0), greaterThan(100));
    assertThat(statuses.getOrDefault(414, 0), greaterThan(0));
    assertThat(statuses.getOrDefault(431, 0), greaterThan(0));
    // The server is still healthy afterwards.
    assertThat(send("GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(UTF_8)).status(), is(200));
  }

  private static Outcome judge(byte[] request) {
    String shown = new String(request, 0, Math.min(request.length, 300), ISO_8859_1);
    Answer answer;
    try {
      answer = send(request);
    } catch (IOException e) {
      return new Outcome(shown, null, "no answer: " + e);
    }
    if (answer == null) {
      return new Outcome(shown, null, "connection closed without an answer");
    }
    int status = answer.status();
    if (status >= 500) {
      return new Outcome(shown, answer, "status " + status);
    }
    if (status < 400 || shown.startsWith("HEAD ")) {
      return new Outcome(shown, answer, null); // an answer to HEAD has no body
    }
    try {
      JsonObject error = new JsonObject(answer.body());
      String field = error.getString("field");
      if (error.getString("error") == null || field == null || field.isBlank()) {
        return new Outcome(shown, answer, "a " + status + " that names no field");
      }
      return new Outcome(shown, answer, null);
    } catch (DecodeException | ClassCastException e) {
      return new Outcome(shown, answer, "a " + status + " that is not a JSON error");
    }
  }

  /** Sends raw bytes on a new connection and reads the answer to its end (Connection: close); null if none came. */
  static Answer send(byte[] request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(server.host(), server.port()), 5_000);
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before reading everything (a line or body past its limit): read its answer.
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      try {
        in.transferTo(received);
      } catch (IOException e) {
        if (received.size() == 0) {
          throw e;
        }
      }
      String text = received.toString(ISO_8859_1);
      // HTTP/1.0 when the request line could not be read (its version is unknown).
      if (!text.startsWith("HTTP/1.1 ") && !text.startsWith("HTTP/1.0 ")) {
        return null;
      }
      int headersEnd = text.indexOf("\r\n\r\n");
      String body = headersEnd < 0 ? "" : new String(received.toByteArray(), headersEnd + 4,
          received.size() - headersEnd - 4, UTF_8);
      return new Answer(Integer.parseInt(text.substring(9, 12)), body);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
  }

  /** One hostile request, drawn from its own seeded random. */
  private static final class Hostile {
    private final Random random;

    Hostile(Random random) {
      this.random = random;
    }

    byte[] request() {
      int kind = random.nextInt(100);
      String method = "POST";
      String path;
      Object body;
      if (kind < 25) {
        path = "/recommend";
        body = recommend();
      } else if (kind < 40) {
        path = "/features";
        body = features();
      } else if (kind < 55) {
        path = "/predict";
        body = row(spec.plan().requestTable());
      } else if (kind < 75) {
        TableDef table = pick(spec.tables());
        path = "/events/" + table.name();
        body = new JsonObject().put("rows", new JsonArray().add(row(table)).add(row(table)));
      } else if (kind < 85) {
        method = "GET";
        path = pick(List.of("/health", "/health/live", "/health/ready", "/metrics", "/openapi.json"));
        body = null;
      } else {
        method = pick(List.of("GET", "PUT", "DELETE", "PATCH", "POST", "OPTIONS", "HEAD"));
        path = pick(List.of("/recommend", "/events/", "/events/nope", "/nope", "/", "/health/../recommend",
            "/recommend?x=%zz", "/events/%00"));
        body = recommend();
      }
      String bodyText = body == null ? null : mutate(body).toString();
      while (bodyText != null && bodyText.contains("\"" + NESTED + "\"")) {
        bodyText = bodyText.replaceFirst("\"" + NESTED + "\"", nested(1 + random.nextInt(5_000)));
      }
      byte[] bodyBytes = bodyText == null ? new byte[0] : bodyText.getBytes(UTF_8);
      List<String> headers = new ArrayList<>(List.of("Host: 127.0.0.1", "Connection: close"));
      if (random.nextInt(4) > 0) {
        headers.add("Authorization: Bearer " + (random.nextInt(5) == 0 ? "wrong" : TOKEN));
      }
      if (body != null && random.nextInt(10) > 0) {
        headers.add("Content-Type: " + (random.nextInt(15) == 0 ? "text/plain" : "application/json"));
      }
      int broken = random.nextInt(100);
      if (broken < 4) {
        path = path + "?pad=" + "x".repeat(5_000 + random.nextInt(100_000));
      } else if (broken < 8) {
        headers.add("X-Pad: " + "y".repeat(9_000 + random.nextInt(100_000)));
      } else if (broken < 10) {
        for (int i = 0; i < 300; i++) {
          headers.add("X-Many-" + i + ": " + "z".repeat(40));
        }
      } else if (broken < 13 && body != null) {
        bodyBytes = invalidUtf8(bodyBytes);
      } else if (broken < 16 && bodyBytes.length > 2) {
        bodyBytes = java.util.Arrays.copyOf(bodyBytes, random.nextInt(bodyBytes.length));
      }
      if (bodyBytes.length > 0 || body != null) {
        headers.add("Content-Length: " + bodyBytes.length);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes((method + " " + path + " HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\n\r\n").getBytes(UTF_8));
      out.writeBytes(bodyBytes);
      return out.toByteArray();
    }

    private JsonObject recommend() {
      JsonObject body = new JsonObject().put("user_id", JdFixture.user(random.nextInt(20)));
      if (random.nextBoolean()) {
        JsonArray candidates = new JsonArray();
        for (int i = random.nextInt(5); i >= 0; i--) {
          candidates.add(JdFixture.sku(random.nextInt(30)));
        }
        body.put("candidates", candidates);
      }
      body.put("n", random.nextInt(20)).put("event_time", NOW.toString());
      if (random.nextInt(3) == 0) {
        body.put("values", new JsonObject().put("bo_user", row(spec.table("bo_user"))));
      }
      return body;
    }

    private JsonObject features() {
      return new JsonObject().put("user_id", JdFixture.user(random.nextInt(20))).put("sku_id", JdFixture.sku(random.nextInt(30)))
          .put("event_time", NOW.toString());
    }

    /** A plausible row of {@code table}: every column with a value of its type. */
    private JsonObject row(TableDef table) {
      JsonObject row = new JsonObject();
      for (TableDef.ColumnDef c : table.columns()) {
        row.put(c.name(), switch (c.type()) {
          case STRING -> c.name().contains("user") ? JdFixture.user(random.nextInt(20))
              : c.name().contains("sku") ? JdFixture.sku(random.nextInt(30)) : "v" + random.nextInt(100);
          case INT, BIGINT -> random.nextInt(1000);
          case FLOAT, DOUBLE -> random.nextDouble() * 100;
          case TIMESTAMP -> NOW.minusSeconds(random.nextInt(86_400)).toString();
          case BOOL -> random.nextBoolean();
          case NULL -> null;
        });
      }
      return row;
    }

    /** One to three places of {@code json} broken; a few times the whole body replaced. */
    private Object mutate(Object json) {
      if (random.nextInt(20) == 0) {
        return pick(List.of("", "null", "[]", "42", "\"text\"", "{", "{\"a\":", "NaN", "{\"n\": NaN}", "{\"n\": Infinity}",
            "[".repeat(5_000) + "]".repeat(5_000), "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000)));
      }
      for (int i = 1 + random.nextInt(3); i > 0; i--) {
        breakOnePlace(json);
      }
      return json;
    }

    private void breakOnePlace(Object json) {
      Object container = json;
      // Walk down to a random object or array.
      for (int depth = 0; depth < 4; depth++) {
        List<Object> children = new ArrayList<>();
        if (container instanceof JsonObject o) {
          o.forEach(e -> children.add(e.getValue()));
        } else if (container instanceof JsonArray a) {
          a.forEach(children::add);
        }
        children.removeIf(c -> !(c instanceof JsonObject || c instanceof JsonArray));
        if (children.isEmpty() || random.nextBoolean()) {
          break;
        }
        container = pick(children);
      }
      if (container instanceof JsonObject o) {
        List<String> names = new ArrayList<>(o.fieldNames());
        int what = random.nextInt(10);
        if (names.isEmpty() || what == 0) {
          o.put("unknown_" + random.nextInt(3), hostileValue());
        } else if (what == 1) {
          o.remove(pick(names));
        } else {
          o.put(pick(names), hostileValue());
        }
      } else if (container instanceof JsonArray a) {
        if (a.isEmpty() || random.nextInt(3) == 0) {
          a.add(hostileValue());
        } else {
          a.set(random.nextInt(a.size()), hostileValue());
        }
      }
    }

    private Object hostileValue() {
      return switch (random.nextInt(22)) {
        case 0 -> null;
        case 1 -> "";
        case 2 -> "s".repeat(100_000 + random.nextInt(1_000_000));
        case 3 -> -1;
        case 4 -> Long.MAX_VALUE;
        case 5 -> Long.MIN_VALUE;
        case 6 -> 1e308;
        case 7 -> -0.0;
        case 8 -> 3.5;
        case 9 -> true;
        case 10 -> new JsonArray(new ArrayList<>(Collections.nCopies(10_000 + random.nextInt(100_000), 1)));
        case 11 -> new JsonObject().put("a", new JsonObject().put("b", new JsonArray().add(1)));
        case 12 -> "9999-12-31T23:59:59Z";
        case 13 -> "+100000-01-01T00:00:00Z";
        case 14 -> "1970-01-01T00:00:00Z";
        case 15 -> "0000-00-00T00:00:00Z";
        case 16 -> "2016-04-10 02:00:00";
        case 17 -> "\u0000\uFFFF\uD83D\uDE00";
        case 18 -> new java.math.BigDecimal("1e400");
        case 19 -> NESTED; // replaced by deep nesting once encoded (encoding it would overflow this test's stack)
        case 20 -> new JsonArray();
        default -> "not a " + random.nextInt(10);
      };
    }

    private String nested(int depth) {
      return random.nextBoolean() ? "[".repeat(depth) + "1" + "]".repeat(depth) : "{\"x\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private byte[] invalidUtf8(byte[] body) {
      byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xE2, (byte) 0x82};
      int at = random.nextInt(body.length + 1);
      byte[] out = new byte[body.length + bad.length];
      System.arraycopy(body, 0, out, 0, at);
      System.arraycopy(bad, 0, out, at, bad.length);
      System.arraycopy(body, at, out, at + bad.length, body.length - at);
      return out;
    }

    private <T> T pick(List<T> list) {
      return list.get(random.nextInt(list.size()));
    }
  }
}
