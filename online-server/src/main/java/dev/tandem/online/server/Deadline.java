package dev.tandem.online.server;

import dev.tandem.online.HttpError;

/**
 * When a call must be answered by, counted from its arrival. The call's stages check it before
 * they start: work whose answer is already due (the client got a 503) is not done.
 */
record Deadline(long atNanos, long budgetMs) {

  static Deadline after(long startNanos, long budgetMs) {
    return new Deadline(startNanos + budgetMs * 1_000_000L, budgetMs);
  }

  boolean passed() {
    return System.nanoTime() - atNanos > 0;
  }

  /** 503 naming the stage that would have started too late. */
  HttpError exceeded(String stage) {
    return new HttpError(503, "the call passed its deadline of " + budgetMs + " ms before " + stage, null);
  }
}
