package dev.tandem.spec.expr;

/**
 * A positional window function ({@code at}, {@code lag}, {@code first}, {@code last}): its
 * argument in one row of {@code ctx.window}, chosen from the window's size; NULL past the
 * window's ends.
 */
final class WindowRowValue extends Expr {
  /** The index of the row to read (0 = oldest) in a window of {@code size} rows. */
  interface Position {
    int in(int size);
  }

  private final Expr column;
  private final Position position;

  WindowRowValue(Expr column, Position position) {
    super(column.type);
    this.column = column;
    this.position = position;
  }

  @Override
  public Object eval(EvalContext ctx) {
    WindowView window = ctx.window;
    int index = position.in(window.size());
    if (index < 0 || index >= window.size()) {
      return null;
    }
    Object[] enclosingRow = ctx.windowRow;
    ctx.windowRow = window.row(index);
    Object value = column.eval(ctx);
    ctx.windowRow = enclosingRow;
    return value;
  }
}
