package dev.tandem.spec;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The windows of a spec and the groups that share their rows, as the compiler builds them: the
 * windows section adds windows (to a group of the same rows, or a new one), features add the
 * window functions they compute over them, and {@link #build()} freezes the groups.
 */
final class WindowPlan {
  private final Declared<WindowDef> windows = new Declared<>();
  private final Map<WindowRows, WindowGroup.Builder> groupsByRows = new LinkedHashMap<>();
  private final Map<String, WindowGroup.Builder> groupOfWindow = new HashMap<>();
  private int termCount;

  Declared<WindowDef> windows() {
    return windows;
  }

  /** The group of the windows over {@code rows}, or null. */
  WindowGroup.Builder group(WindowRows rows) {
    return groupsByRows.get(rows);
  }

  void addGroup(WindowRows rows, WindowGroup.Builder group) {
    groupsByRows.put(rows, group);
  }

  /** The index the next new group gets. */
  int groupCount() {
    return groupsByRows.size();
  }

  void addWindow(WindowDef def, WindowGroup.Builder group, WindowGroup.Frame frame) {
    windows.add(def.name(), def);
    groupOfWindow.put(def.name(), group);
    group.addWindow(def.name(), frame);
  }

  /** The columns of the rows of window {@code window}. */
  List<TableDef.ColumnDef> columns(String window) {
    return groupOfWindow.get(window).layout().columns();
  }

  /** Adds a window function computed over {@code window}; returns its slot among a request's terms. */
  int addTerm(String window, Expr body) {
    groupOfWindow.get(window).addTerm(window, body, termCount);
    return termCount++;
  }

  /** How many window functions the features compute, over all groups. */
  int termCount() {
    return termCount;
  }

  /** True when a window keeps past request rows partitioned by {@code column}. */
  boolean keepsPastRequests(String column) {
    return groupsByRows.values().stream().map(WindowGroup.Builder::layout)
        .anyMatch(g -> g.requestRowsInHistory() && g.partition().equals(column));
  }

  List<WindowGroup> build() {
    return groupsByRows.values().stream().map(WindowGroup.Builder::build).toList();
  }
}
