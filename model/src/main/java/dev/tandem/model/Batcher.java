package dev.tandem.model;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Groups rows into batches, optionally shuffling them through a buffer of {@code bufferSize}
 * rows: once the buffer is full, each new row takes the place of a random buffered row, which
 * goes into the batch. A stream shorter than the buffer is thus fully shuffled; memory stays at
 * {@code bufferSize} rows whatever the stream's length. Call {@link #finish} after the last row.
 */
final class Batcher implements TrainingSet.RowConsumer {
  private final int width;
  private final int batchSize;
  private final SplittableRandom random;
  private final Consumer<Batch> sink;
  private final long[][] bufferIds;
  private final int[] bufferLabels;
  private int buffered;
  private long[] ids;
  private float[] labels;
  private int rows;

  /** {@code bufferSize} 0 keeps the rows in order ({@code random} may then be null). */
  Batcher(int width, int batchSize, int bufferSize, SplittableRandom random, Consumer<Batch> sink) {
    this.width = width;
    this.batchSize = batchSize;
    this.random = random;
    this.sink = sink;
    this.bufferIds = new long[bufferSize][];
    this.bufferLabels = new int[bufferSize];
    startBatch();
  }

  @Override
  public void accept(long[] rowIds, int label) {
    if (bufferIds.length == 0) {
      add(rowIds, label);
    } else if (buffered < bufferIds.length) {
      bufferIds[buffered] = rowIds;
      bufferLabels[buffered++] = label;
    } else {
      int j = random.nextInt(buffered);
      add(bufferIds[j], bufferLabels[j]);
      bufferIds[j] = rowIds;
      bufferLabels[j] = label;
    }
  }

  /** Emits the buffered rows (shuffled) and the last, possibly short, batch. */
  void finish() {
    for (int i = buffered - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long[] swapIds = bufferIds[i];
      bufferIds[i] = bufferIds[j];
      bufferIds[j] = swapIds;
      int swapLabel = bufferLabels[i];
      bufferLabels[i] = bufferLabels[j];
      bufferLabels[j] = swapLabel;
    }
    for (int i = 0; i < buffered; i++) {
      add(bufferIds[i], bufferLabels[i]);
      bufferIds[i] = null;
    }
    buffered = 0;
    if (rows > 0) {
      long[] lastIds = new long[rows * width];
      float[] lastLabels = new float[rows];
      System.arraycopy(ids, 0, lastIds, 0, lastIds.length);
      System.arraycopy(labels, 0, lastLabels, 0, rows);
      sink.accept(new Batch(lastIds, lastLabels, rows));
      startBatch();
    }
  }

  private void add(long[] rowIds, int label) {
    System.arraycopy(rowIds, 0, ids, rows * width, width);
    labels[rows++] = label;
    if (rows == batchSize) {
      sink.accept(new Batch(ids, labels, rows));
      startBatch();
    }
  }

  private void startBatch() {
    ids = new long[batchSize * width];
    labels = new float[batchSize];
    rows = 0;
  }
}
