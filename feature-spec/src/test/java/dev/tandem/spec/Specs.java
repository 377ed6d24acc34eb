package dev.tandem.spec;

/** Small specs for tests: a request table r and an event table e, with given windows and features. */
public final class Specs {
  private Specs() {}

  public static final String TABLES = """
      name: t
      tables:
        r:
          role: request
          key: id
          time: t
          columns: {id: string, t: timestamp, k: string, v: int, f: float, s: string}
        e:
          role: event
          time: t
          columns: {t: timestamp, k: string, v: int, f: float, s: string}
        d:
          role: dimension
          time: t
          columns: {t: timestamp, k: string, s: string}
      """;

  /** A spec with {@code windows} and {@code features} (YAML text indented by two spaces). */
  public static String with(String windows, String features) {
    return TABLES + "windows:\n" + windows + "features:\n" + features;
  }

  /** A request row of r. */
  static Object[] r(String id, String time, String k, Integer v, Float f, String s) {
    return new Object[] {id, LocalEval.t(time), k, v, f, s};
  }

  /** A row of e. */
  static Object[] e(String time, String k, Integer v, Float f, String s) {
    return new Object[] {LocalEval.t(time), k, v, f, s};
  }
}
