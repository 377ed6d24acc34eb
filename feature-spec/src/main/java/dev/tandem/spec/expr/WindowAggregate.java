package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;


/**
 * An aggregate window function over {@code ctx.window}: each row's value of {@code input} (NULLs
 * skipped unless the aggregate counts them) goes to the aggregate, oldest first, where the
 * optional {@code where} condition is true.
 */
final class WindowAggregate extends Expr {
  private final Aggregate aggregate;
  private final Expr input;
  private final Expr where;

  WindowAggregate(Type type, Aggregate aggregate, Expr input, Expr where) {
    super(type);
    this.aggregate = aggregate;
    this.input = input;
    this.where = where;
  }

  @Override
  public Object eval(EvalContext ctx) {
    Object[] enclosingRow = ctx.windowRow; // set when this call is nested in another window function
    WindowView window = ctx.window;
    Aggregate.State state = aggregate.start();
    for (int i = 0; i < window.size(); i++) {
      ctx.windowRow = window.row(i);
      Object value = input.eval(ctx);
      if ((value != null || aggregate.countsNull()) && (where == null || Boolean.TRUE.equals(where.eval(ctx)))) {
        state.add(value);
      }
    }
    ctx.windowRow = enclosingRow;
    return state.result();
  }
}
