package dev.tandem.spec;

/**
 * A row of a source table with its ingestion sequence: the order in which rows arrived. It
 * breaks ties between rows of one table at equal times, as OpenMLDB does ("the last one
 * ingested"). Offline it is the row's position in its table's Parquet files (files in name
 * order); online, the order of ingestion. Rows that share a sequence fall back to value order.
 */
public record IngestedRow(Object[] values, long sequence) {}
