package dev.tandem.spec;

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

    /**
     * Takes back a value added earlier, as the oldest row leaves a sliding window; only where
     * {@link Aggregate#removable()}.
     */
    default void remove(Object value) {
      throw new UnsupportedOperationException("this aggregate cannot take a value back");
    }
  }

  State start();

  /**
   * True when {@link State#remove} after {@link State#add} of the same value leaves the state as
   * if the value had never been added: the state can then follow a sliding window row by row
   * instead of being computed again over every row.
   */
  default boolean removable() {
    return false;
  }

  /** True when NULL values are added as values (distinct_count); otherwise rows whose value is NULL are skipped. */
  default boolean countsNull() {
    return false;
  }
}
