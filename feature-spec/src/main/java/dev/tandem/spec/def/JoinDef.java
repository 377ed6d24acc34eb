package dev.tandem.spec.def;

/**
 * A last join: each request row takes the last matching row of {@code table}, where
 * {@code requestColumn = tableColumn}. "Last" is by {@code order} (the table's time column by
 * default). {@link Pick#LATEST} takes the last whatever its time; {@link Pick#POINT_IN_TIME}
 * only rows whose order value is at or before the request's time.
 */
public record JoinDef(String name, String table, String requestColumn, String tableColumn, Pick pick, String order) {

  public enum Pick { LATEST, POINT_IN_TIME }
}
