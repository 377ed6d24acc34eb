package dev.tandem.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Peer benchmark of Tandem's JD features: computes the 42 columns of
 * {@code feature-spec/specs/jd.yaml} with one hand-written DuckDB SQL query
 * ({@code jd-features.duckdb.sql}), times it, and compares the result cell by cell with the
 * Parquet output of {@code tandem features}, matching rows by {@code reqId_1}.
 *
 * <pre>
 * java -jar target/duckdb-jd-bench.jar --data DIR [--tandem-out DIR] [--threads 2] [--runs 1]
 *     [--db FILE] [--sql FILE] [--memory-limit 8GB]
 * </pre>
 *
 * Cells are compared by the type of the DuckDB column: FLOAT exactly (same float bits),
 * DOUBLE with a relative tolerance of 1e-12, TIMESTAMP (with or without time zone) as instants
 * in microseconds, everything else as text. Exit status: 0 when everything matched, 1 when
 * something did not, 2 on usage errors.
 */
public final class DuckDbJdBenchmark {
  private static final String SQL_RESOURCE = "jd-features.duckdb.sql";
  private static final String RESULT_TABLE = "duck_jd";
  private static final String TANDEM_VIEW = "tandem_jd";
  private static final String KEY = "reqId_1";
  private static final int EXAMPLES = 5;
  private static final double DOUBLE_RELATIVE_TOLERANCE = 1e-12;

  private enum Kind { FLOAT, DOUBLE, TIMESTAMP, OTHER }

  private record Column(String name, String type) {
    Kind kind() {
      String t = type.toUpperCase(Locale.ROOT);
      if (t.equals("FLOAT") || t.equals("REAL") || t.equals("FLOAT4")) {
        return Kind.FLOAT;
      }
      if (t.equals("DOUBLE") || t.equals("FLOAT8")) {
        return Kind.DOUBLE;
      }
      if (t.startsWith("TIMESTAMP")) {
        return Kind.TIMESTAMP;
      }
      return Kind.OTHER;
    }
  }

  private DuckDbJdBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    if (opts == null || !opts.containsKey("data")) {
      System.err.println("usage: java -jar duckdb-jd-bench.jar --data DIR [--tandem-out DIR] [--threads 2]"
          + " [--runs 1] [--db FILE] [--sql FILE] [--memory-limit SIZE]");
      System.exit(2);
      return;
    }
    Path data = Path.of(opts.get("data")).toAbsolutePath().normalize();
    int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
    int runs = Integer.parseInt(opts.getOrDefault("runs", "1"));
    String sql = (opts.containsKey("sql")
        ? Files.readString(Path.of(opts.get("sql")), StandardCharsets.UTF_8)
        : resource(SQL_RESOURCE))
        .replace("{{DATA}}", sqlString(data.toString()));

    boolean ok;
    String url = "jdbc:duckdb:" + (opts.containsKey("db") ? Path.of(opts.get("db")).toAbsolutePath() : "");
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("SET threads = " + threads);
      s.execute("SET TimeZone = 'UTC'");
      if (opts.containsKey("memory-limit")) {
        s.execute("SET memory_limit = '" + sqlString(opts.get("memory-limit")) + "'");
      }
      print("duckdb_version", scalar(s, "SELECT version()"));
      print("threads", threads);
      print("data", data);

      double best = Double.MAX_VALUE;
      for (int run = 1; run <= runs; run++) {
        s.execute("DROP TABLE IF EXISTS " + RESULT_TABLE);
        long t0 = System.nanoTime();
        s.execute("CREATE TABLE " + RESULT_TABLE + " AS\n" + sql);
        double seconds = (System.nanoTime() - t0) / 1e9;
        best = Math.min(best, seconds);
        if (runs > 1) {
          print("run_" + run + "_seconds", String.format(Locale.ROOT, "%.3f", seconds));
        }
      }
      long rows = Long.parseLong(scalar(s, "SELECT count(*) FROM " + RESULT_TABLE));
      print("rows", rows);
      print("columns", columns(s, RESULT_TABLE).size());

      ok = true;
      if (opts.containsKey("tandem-out")) {
        Path tandemOut = Path.of(opts.get("tandem-out")).toAbsolutePath().normalize();
        ok = compare(s, tandemOut);
      }
      print("duckdb_seconds", String.format(Locale.ROOT, "%.3f", best));
    }
    printMemory();
    System.out.flush();
    System.exit(ok ? 0 : 1);
  }

  /** Compares {@link #RESULT_TABLE} with Tandem's Parquet output; true when all matched. */
  private static boolean compare(Statement s, Path tandemOut) throws SQLException {
    s.execute("CREATE OR REPLACE VIEW " + TANDEM_VIEW + " AS SELECT * FROM read_parquet('"
        + sqlString(tandemOut.toString()) + "/*.parquet')");
    print("tandem_out", tandemOut);

    // Schema: same names, same order, compatible types.
    List<Column> duck = columns(s, RESULT_TABLE);
    List<Column> tandem = columns(s, TANDEM_VIEW);
    Map<String, Column> tandemByName = new LinkedHashMap<>();
    tandem.forEach(col -> tandemByName.put(col.name(), col));
    int schemaDifferences = 0;
    List<String> duckNames = duck.stream().map(Column::name).toList();
    List<String> tandemNames = tandem.stream().map(Column::name).toList();
    if (!duckNames.equals(tandemNames)) {
      schemaDifferences++;
      System.out.println("schema: column names/order differ");
      System.out.println("  duckdb: " + duckNames);
      System.out.println("  tandem: " + tandemNames);
    }
    List<Column> common = new ArrayList<>();
    for (Column d : duck) {
      Column t = tandemByName.get(d.name());
      if (t == null) {
        continue;
      }
      common.add(d);
      boolean sameType = d.type().equals(t.type())
          || (d.kind() == Kind.TIMESTAMP && t.kind() == Kind.TIMESTAMP);
      if (!sameType) {
        schemaDifferences++;
        System.out.println("schema: " + d.name() + " is " + d.type() + " in duckdb, " + t.type() + " in tandem");
      } else if (!d.type().equals(t.type())) {
        System.out.println("note: " + d.name() + " is " + d.type() + " in duckdb, " + t.type()
            + " in tandem (compared as instants)");
      }
    }
    print("schema_differences", schemaDifferences);

    // Rows: match by reqId_1; NULL and duplicated keys cannot be matched.
    long tandemRows = Long.parseLong(scalar(s, "SELECT count(*) FROM " + TANDEM_VIEW));
    print("tandem_rows", tandemRows);
    String uniqueKeys = "SELECT " + KEY + " FROM %s WHERE " + KEY + " IS NOT NULL GROUP BY 1 HAVING count(*) = 1";
    long unmatched = 0;
    for (String[] side : new String[][] {{"duckdb", RESULT_TABLE}, {"tandem", TANDEM_VIEW}}) {
      long nullKeys = Long.parseLong(scalar(s, "SELECT count(*) FROM " + side[1] + " WHERE " + KEY + " IS NULL"));
      long dupRows = Long.parseLong(scalar(s, "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM "
          + side[1] + " WHERE " + KEY + " IS NOT NULL GROUP BY " + KEY + " HAVING count(*) > 1)"));
      String other = side[1].equals(RESULT_TABLE) ? TANDEM_VIEW : RESULT_TABLE;
      long only = Long.parseLong(scalar(s, "SELECT count(*) FROM (" + String.format(uniqueKeys, side[1])
          + ") a WHERE NOT EXISTS (SELECT 1 FROM " + other + " b WHERE b." + KEY + " = a." + KEY + ")"));
      print(side[0] + "_null_key_rows", nullKeys);
      print(side[0] + "_duplicate_key_rows", dupRows);
      print(side[0] + "_only_rows", only);
      unmatched += nullKeys + dupRows + only;
    }
    print("unmatched_rows", unmatched);

    // Cells: a strict prefilter in SQL, the exact per-type rule in Java.
    StringBuilder select = new StringBuilder("SELECT d." + q(KEY));
    StringBuilder differs = new StringBuilder();
    for (Column col : common) {
      String d = "d." + q(col.name());
      String t = "t." + q(col.name());
      String dv;
      String tv;
      String diff;
      switch (col.kind()) {
        case TIMESTAMP -> {
          dv = "epoch_us(" + d + ")";
          tv = "epoch_us(" + t + ")";
          diff = dv + " IS DISTINCT FROM " + tv;
        }
        case FLOAT -> {
          dv = d;
          tv = t;
          diff = "(" + d + " IS DISTINCT FROM " + t + " OR CAST(" + d + " AS VARCHAR) IS DISTINCT FROM CAST("
              + t + " AS VARCHAR))";
        }
        case DOUBLE -> {
          dv = d;
          tv = t;
          diff = d + " IS DISTINCT FROM " + t;
        }
        default -> {
          dv = "CAST(" + d + " AS VARCHAR)";
          tv = "CAST(" + t + " AS VARCHAR)";
          diff = dv + " IS DISTINCT FROM " + tv;
        }
      }
      select.append(", ").append(dv).append(", ").append(tv);
      differs.append(differs.length() == 0 ? "" : "\n   OR ").append(diff);
    }
    String query = select + "\nFROM " + RESULT_TABLE + " d JOIN " + TANDEM_VIEW + " t ON d." + q(KEY) + " = t." + q(KEY)
        + "\nWHERE d." + q(KEY) + " IN (" + String.format(uniqueKeys, RESULT_TABLE) + ")"
        + "\n  AND t." + q(KEY) + " IN (" + String.format(uniqueKeys, TANDEM_VIEW) + ")"
        + "\n  AND (" + (differs.length() == 0 ? "false" : differs) + ")";

    long[] mismatches = new long[common.size()];
    List<List<String>> examples = new ArrayList<>();
    common.forEach(col -> examples.add(new ArrayList<>()));
    try (ResultSet rs = s.executeQuery(query)) {
      while (rs.next()) {
        String key = rs.getString(1);
        for (int i = 0; i < common.size(); i++) {
          int di = 2 + 2 * i;
          Object a = rs.getObject(di);
          Object b = rs.getObject(di + 1);
          if (!equal(common.get(i).kind(), a, b)) {
            mismatches[i]++;
            if (examples.get(i).size() < EXAMPLES) {
              examples.get(i).add(KEY + "=" + show(key) + "  duckdb=" + show(a) + "  tandem=" + show(b));
            }
          }
        }
      }
    }
    long total = 0;
    for (int i = 0; i < common.size(); i++) {
      total += mismatches[i];
      if (mismatches[i] > 0) {
        System.out.println("column " + common.get(i).name() + ": " + mismatches[i] + " mismatching cells");
        for (String e : examples.get(i)) {
          System.out.println("    " + e);
        }
      }
    }
    print("compared_columns", common.size());
    print("mismatches", total);
    return total == 0 && unmatched == 0 && schemaDifferences == 0;
  }

  private static boolean equal(Kind kind, Object a, Object b) {
    if (a == null || b == null) {
      return a == null && b == null;
    }
    switch (kind) {
      case FLOAT -> {
        return Float.floatToIntBits(((Number) a).floatValue()) == Float.floatToIntBits(((Number) b).floatValue());
      }
      case DOUBLE -> {
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        if (Double.compare(x, y) == 0 || (Double.isNaN(x) && Double.isNaN(y))) {
          return true;
        }
        return Math.abs(x - y) <= DOUBLE_RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
      }
      case TIMESTAMP -> {
        return ((Number) a).longValue() == ((Number) b).longValue();
      }
      default -> {
        return a.toString().equals(b.toString());
      }
    }
  }

  private static List<Column> columns(Statement s, String relation) throws SQLException {
    List<Column> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("DESCRIBE " + relation)) {
      while (rs.next()) {
        out.add(new Column(rs.getString("column_name"), rs.getString("column_type")));
      }
    }
    return out;
  }

  private static String scalar(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Peak and current resident memory of this process (JVM and DuckDB), from /proc. */
  private static void printMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          long kb = Long.parseLong(parts[1]);
          print(line.startsWith("VmHWM") ? "peak_rss_mb" : "rss_mb", kb / 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      print("peak_rss_mb", "unknown (" + e.getMessage() + ")");
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = DuckDbJdBenchmark.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource not found: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        return null;
      }
      out.put(args[i].substring(2), args[++i]);
    }
    return out;
  }

  private static String sqlString(String s) {
    return s.replace("'", "''");
  }

  private static String q(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String show(Object v) {
    if (v == null) {
      return "NULL";
    }
    StringBuilder b = new StringBuilder("'");
    v.toString().codePoints().forEach(cp -> {
      if (cp < 0x20 || cp == 0x7f) {
        b.append(String.format(Locale.ROOT, "\\u%04x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.append('\'').toString();
  }

  private static void print(String key, Object value) {
    System.out.println(key + " " + value);
  }
}
