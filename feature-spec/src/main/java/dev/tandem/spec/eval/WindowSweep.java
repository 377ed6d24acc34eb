package dev.tandem.spec.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sweeps the frames of a {@link WindowGroup} over one partition's entries, delivered in the
 * group's order. It keeps only the history the group's frames can still reach (by time range,
 * ROWS count and MAXSIZE), so its memory is bounded by the frames, not by the partition.
 */
public final class WindowSweep {
  private final WindowGroup group;
  private final Comparator<WindowGroup.Entry> order;
  private final List<Object[]> rows = new ArrayList<>();
  private long[] times = new long[64];
  private int head;
  private WindowGroup.Entry last;

  WindowSweep(WindowGroup group) {
    this.group = group;
    this.order = group.order();
  }

  /**
   * Takes the next entry. For a request entry, returns its window-term values (in the group's
   * term order); for a union row, returns {@code null}.
   *
   * @throws IllegalArgumentException when the entry comes before the previous one in order, or
   *     has a NULL time
   */
  public Object[] accept(WindowGroup.Entry e) {
    return accept(e, true);
  }

  /**
   * As {@link #accept(WindowGroup.Entry)}; with {@code evaluate} false a request entry only
   * enters the history (for a caller that wants the values of one later request only).
   */
  Object[] accept(WindowGroup.Entry e, boolean evaluate) {
    if (last != null && order.compare(last, e) > 0) {
      throw new IllegalArgumentException("window rows out of order for " + group.describe());
    }
    last = e;
    if (!e.hasTime) {
      // Runners and ingestion reject rows without a time before they reach a window.
      throw new IllegalArgumentException("a row with a NULL time cannot be placed in " + group.describe());
    }
    Object[] result = null;
    if (e.source == 0) {
      if (evaluate) {
        result = group.evaluate(times, rows, head, rows.size(), e, true);
      }
      if (group.requestRowsInHistory()) {
        append(e);
      }
    } else {
      append(e);
    }
    evict(e.time);
    return result;
  }

  /**
   * The window-term values of a request placed after every entry taken so far, without taking it:
   * requests that share this history (one user's candidates) each see it alone.
   */
  Object[] peek(WindowGroup.Entry request) {
    if (last != null && order.compare(last, request) > 0) {
      throw new IllegalArgumentException("window rows out of order for " + group.describe());
    }
    return group.evaluate(times, rows, head, rows.size(), request, true);
  }

  /** Number of history rows currently held. */
  public int retained() {
    return rows.size() - head;
  }

  private void append(WindowGroup.Entry e) {
    if (rows.size() == times.length) {
      times = Arrays.copyOf(times, times.length * 2);
    }
    times[rows.size()] = e.time;
    rows.add(e.row);
  }

  /** Drops history no frame can reach for any request at or after {@code time}. */
  private void evict(long time) {
    int end = rows.size();
    int keepFrom = end;
    for (WindowGroup.Frame f : group.frames()) {
      keepFrom = Math.min(keepFrom, f.start(times, head, end, time));
    }
    for (int i = head; i < keepFrom; i++) {
      rows.set(i, null);
    }
    head = Math.max(head, keepFrom);
    if (head > 1024 && head > rows.size() / 2) {
      int live = rows.size() - head;
      rows.subList(0, head).clear();
      System.arraycopy(times, head, times, 0, live);
      head = 0;
    }
  }
}
