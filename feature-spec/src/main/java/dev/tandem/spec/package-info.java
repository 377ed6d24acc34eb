/**
 * Tandem's feature spec and its evaluation core: one YAML spec compiled once, evaluated the same
 * way by every engine. {@link dev.tandem.spec.FeatureSpec} is the door: {@code load} or
 * {@code parse} a spec, then read its declarations and its plans.
 *
 * <p>The layers, each a package, in the order a spec flows through them:
 *
 * <ol>
 *   <li>{@link dev.tandem.spec.compile} reads the YAML section by section and reports every error
 *       at its file:line:col ({@link dev.tandem.spec.SpecException});
 *   <li>{@link dev.tandem.spec.def} holds what a spec declares: tables, windows, joins, features,
 *       the model's inputs, the value types;
 *   <li>{@link dev.tandem.spec.expr} is the expression language: its parser, typed expression
 *       trees, operators, conversions and the scalar and window functions;
 *   <li>{@link dev.tandem.spec.eval} is the evaluation core both engines call: the feature plan
 *       and its one evaluate entry, window groups and their sweeps, last joins, what state to keep,
 *       how a live request becomes request rows;
 *   <li>{@link dev.tandem.spec.encoding} turns values into bytes and text the same way everywhere:
 *       canonical text, order-preserving keys, the stored-row codec, model ids.
 * </ol>
 *
 * <p>Types are public where another layer (or another module) uses them; the compiler's parts are
 * package-private, and only {@link dev.tandem.spec.compile.SpecCompiler} is reached from here.
 */
package dev.tandem.spec;
