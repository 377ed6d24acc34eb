package dev.tandem.spec;

/**
 * What an expression reads while it is evaluated: the request row, the window-term values,
 * the joined rows, and inside a window function the window and the window row at hand.
 */
final class EvalContext {
  Object[] request;
  Object[] terms;
  Object[][] joined;
  WindowView window;
  Object[] windowRow;
}
