package dev.tandem.spec.def;

import java.util.List;

/**
 * A window as declared: over the request table, or over the union of the request row with
 * event tables. Exactly one of {@code rows} and {@code rangeMillis} is set (the other is -1);
 * {@code maxsize} is -1 when absent.
 */
public record WindowDef(String name, List<String> union, String partition, String order, int rows,
    long rangeMillis, int maxsize, boolean instanceNotInWindow) {}
