package dev.tandem.model;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Reads and batches rows on a background thread while the caller's thread trains on (or scores)
 * the batches already made: decoding Parquet costs about as much as a training step, so
 * overlapping the two nearly doubles the throughput. At most {@link #CAPACITY} batches wait.
 */
final class Prefetcher {
  private static final int CAPACITY = 4;
  private static final Batch END = new Batch(new long[0], new float[0], 0);

  /** Produces the batches into the sink; returns the count of NULL labels read. */
  interface Source {
    long produce(Consumer<Batch> sink) throws ModelException, IOException;
  }

  private Prefetcher() {}

  /** Runs {@code source} on a reader thread and hands each batch to {@code consumer} here; returns the source's result. */
  static long run(Source source, Consumer<Batch> consumer) throws ModelException, IOException {
    BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(CAPACITY);
    long[] nullLabels = {0};
    Throwable[] failure = {null};
    Thread reader = new Thread(() -> {
      try {
        nullLabels[0] = source.produce(batch -> {
          try {
            queue.put(batch);
          } catch (InterruptedException e) {
            throw new Cancelled();
          }
        });
      } catch (Cancelled e) {
        return;
      } catch (Throwable e) {
        failure[0] = e;
      }
      try {
        queue.put(END);
      } catch (InterruptedException e) {
        // cancelled by the consumer: nobody waits for the end
      }
    }, "tandem-batch-reader");
    reader.setDaemon(true);
    reader.start();
    boolean consumed = false;
    try {
      for (Batch batch = queue.take(); batch != END; batch = queue.take()) {
        consumer.accept(batch);
      }
      consumed = true;
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading batches", e);
    } finally {
      if (!consumed) {
        stop(reader, queue);
      }
    }
    // join() makes the reader's writes visible here.
    if (failure[0] instanceof ModelException e) {
      throw e;
    } else if (failure[0] instanceof IOException e) {
      throw e;
    } else if (failure[0] instanceof RuntimeException e) {
      throw e;
    } else if (failure[0] instanceof Error e) {
      throw e;
    }
    return nullLabels[0];
  }

  /** Interrupts the reader and drains the queue until it has ended, so that no put blocks it. */
  private static void stop(Thread reader, BlockingQueue<Batch> queue) {
    reader.interrupt();
    boolean interrupted = false;
    while (reader.isAlive()) {
      queue.clear();
      try {
        reader.join(10);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Unwinds the reader when the consumer has stopped. */
  private static final class Cancelled extends RuntimeException {
    Cancelled() {
      super(null, null, false, false);
    }
  }
}
