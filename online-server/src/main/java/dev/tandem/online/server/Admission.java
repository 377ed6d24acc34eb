package dev.tandem.online.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which calls the worker pool takes, shared by the verticles: at most {@code max-in-flight}
 * queued or running, and none that the workers' recent pace says would finish past its deadline.
 * A call refused here is answered 503 with Retry-After at once, instead of waiting in the queue
 * to be answered 503 at its deadline (under overload the queue would hold only such calls).
 */
final class Admission {
  /** Weight of the newest run in the moving average of an operation's run time. */
  private static final double WEIGHT = 0.1;

  private final int workers;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, AtomicLong> runNanos = new ConcurrentHashMap<>();

  Admission(int workers, int maxInFlight) {
    this.workers = workers;
    this.maxInFlight = maxInFlight;
  }

  /**
   * Takes a call of {@code operation} in, or says why not (then nothing is held). A call that finds
   * a worker free is always taken (its run also keeps the pace current: a pace learned from slow
   * runs must not refuse every call after them). One that must queue waits for the calls ahead of
   * it, which run {@code workers} at a time, each about as long as the operation's recent runs.
   *
   * @return null when admitted ({@link #exit} must follow), else the reason for a 503
   */
  String enter(String operation, Deadline deadline) {
    int ahead = inFlight.getAndIncrement();
    if (ahead >= maxInFlight) {
      inFlight.decrementAndGet();
      return "the server is at its limit of " + maxInFlight + " calls in flight; retry shortly";
    }
    long run = runNanos.computeIfAbsent(operation, k -> new AtomicLong()).get();
    if (ahead >= workers && System.nanoTime() + (ahead / workers + 1) * run - deadline.atNanos() > 0) {
      inFlight.decrementAndGet();
      return "the server cannot answer within the deadline of " + deadline.budgetMs() + " ms now (" + ahead
          + " calls ahead of this one); retry shortly";
    }
    return null;
  }

  /** A call taken in by {@link #enter} is done; {@code ranNanos} is its time on a worker (0: it did not run). */
  void exit(String operation, long ranNanos) {
    inFlight.decrementAndGet();
    if (ranNanos > 0) {
      runNanos.get(operation).updateAndGet(average -> average == 0 ? ranNanos : average + (long) (WEIGHT * (ranNanos - average)));
    }
  }
}
