package dev.tandem.spec.compile;

import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.WindowDef;
import dev.tandem.spec.eval.WindowGroup;
import java.util.List;

/**
 * What the {@code windows} section declares: each window, and the groups of windows over the
 * same rows, each with its layout and its windows' frames in order. The groups become
 * {@link WindowGroup}s once the features' window functions are known ({@link #build}).
 */
record Windows(Declared<WindowDef> declared, List<Group> groups) {

  /** Windows over the same rows: one sweep serves them all. */
  record Group(WindowGroup.Layout layout, List<String> windows, List<WindowGroup.Frame> frames) {}

  /** No windows: for expressions that cannot name one (request_row values). */
  static Windows none() {
    return new Windows(new Declared<>(), List.of());
  }

  /** The columns of the rows of window {@code window}. */
  List<TableDef.ColumnDef> columns(String window) {
    return groupOf(window).layout().columns();
  }

  /** True when a window keeps past request rows partitioned by {@code column}. */
  boolean keepsPastRequests(String column) {
    return groups.stream().map(Group::layout).anyMatch(l -> l.requestRowsInHistory() && l.partition().equals(column));
  }

  /** The window groups, each with its windows and the terms computed over them (in slot order). */
  List<WindowGroup> build(WindowTerms terms) {
    List<WindowTerms.Term> all = terms.terms();
    return groups.stream().map(g -> {
      WindowGroup.Builder b = new WindowGroup.Builder(g.layout());
      for (int i = 0; i < g.windows().size(); i++) {
        b.addWindow(g.windows().get(i), g.frames().get(i));
      }
      for (int slot = 0; slot < all.size(); slot++) {
        if (g.windows().contains(all.get(slot).window())) {
          b.addTerm(all.get(slot).window(), all.get(slot).body(), slot);
        }
      }
      return b.build();
    }).toList();
  }

  private Group groupOf(String window) {
    return groups.stream().filter(g -> g.windows().contains(window)).findFirst().orElseThrow();
  }
}
