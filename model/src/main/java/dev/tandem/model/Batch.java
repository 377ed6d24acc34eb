package dev.tandem.model;

/** A batch of rows: ids flattened row by row ({@code rows * fields}), and 0/1 labels. */
record Batch(long[] ids, float[] labels, int rows) {}
