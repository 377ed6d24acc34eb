/**
 * The expression language: {@link dev.tandem.spec.expr.ExprParser} turns text into an
 * {@link dev.tandem.spec.expr.Ast}; the compiler (in {@code compile}) types it into
 * {@link dev.tandem.spec.expr.Expr} trees whose operators ({@link dev.tandem.spec.expr.Operators})
 * and conversions ({@link dev.tandem.spec.expr.Conversions}) are resolved once. Functions are
 * registered in one place, {@link dev.tandem.spec.expr.Functions}: scalar functions, window
 * functions over a window's rows, and the aggregates (each a small class with its type rule and
 * steps, as Chronon's simple aggregators). An {@code Expr} is evaluated against an
 * {@link dev.tandem.spec.expr.EvalContext}: the request row, joined rows, term values and, inside
 * a window function, a {@link dev.tandem.spec.expr.WindowView}.
 */
package dev.tandem.spec.expr;
