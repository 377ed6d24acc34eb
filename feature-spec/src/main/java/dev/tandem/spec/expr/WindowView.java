package dev.tandem.spec.expr;

import java.util.List;

/**
 * The rows of one window for one request, oldest first; the last row is the current row
 * (for union windows, the request row's projection). A view over the sweep's history: no copy.
 */
public final class WindowView {
  private final List<Object[]> history;
  private final int from;
  private final int to;
  private final Object[] current;

  public WindowView(List<Object[]> history, int from, int to, Object[] current) {
    this.history = history;
    this.from = from;
    this.to = to;
    this.current = current;
  }

  int size() {
    return to - from + 1;
  }

  /** Row {@code i}, 0 = oldest, {@code size() - 1} = the current row. */
  Object[] row(int i) {
    return i == to - from ? current : history.get(from + i);
  }
}
