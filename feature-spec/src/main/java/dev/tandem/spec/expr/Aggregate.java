package dev.tandem.spec.expr;

/**
 * The steps of an aggregate window function over one window's values, as Chronon's simple
 * aggregators: a fresh {@link State}, each row's value added oldest first, then the result. The
 * functions are in {@link Aggregates}; {@link WindowAggregate} feeds them a window's rows.
 */
interface Aggregate {

  /** The running state over one window. */
  interface State {
    void add(Object value);

    Object result();
  }

  State start();

  /** True when NULL values are added as values (distinct_count); otherwise rows whose value is NULL are skipped. */
  default boolean countsNull() {
    return false;
  }
}
