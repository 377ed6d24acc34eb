package dev.tandem.spec.eval;

import dev.tandem.spec.encoding.XxHash64;


/**
 * A row of a source table with its ingestion sequence: the order in which rows arrived. It
 * breaks ties between rows of one table at equal times, as OpenMLDB does ("the last one
 * ingested"). Offline it is the row's position in its table's Parquet files (files in name
 * order); online, the order of ingestion. Rows that share a sequence fall back to value order.
 *
 * <p>{@code eventId} identifies the event the row came from, so that a retried ingestion is
 * recognised: online, a hash of the caller's event id; offline (and for rows materialized from
 * files), the row's sequence.
 */
public record IngestedRow(Object[] values, long sequence, long eventId) {

  /** A row whose event id is its sequence (rows read from files). */
  public IngestedRow(Object[] values, long sequence) {
    this(values, sequence, sequence);
  }

  /** The event id of a caller's event identifier (xxHash64 of its UTF-8 text). */
  public static long eventId(String id) {
    return XxHash64.hash(id, 0);
  }
}
