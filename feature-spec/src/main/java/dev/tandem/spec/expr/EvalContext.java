package dev.tandem.spec.expr;

/**
 * What an expression reads while it is evaluated: the request row, the window-term values,
 * the joined rows, and inside a window function the window and the window row at hand.
 */
public final class EvalContext {
  public Object[] request;
  public Object[] terms;
  public Object[][] joined;
  public WindowView window;
  Object[] windowRow;
}
