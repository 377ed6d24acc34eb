/**
 * Reading a spec: {@link dev.tandem.spec.compile.SpecCompiler} parses the YAML ({@code Yaml},
 * positions in {@code Pos}), then runs one {@code SectionReader} per part of the spec, in the order
 * they depend on each other: header, tables, windows, joins, features, label and model, serving.
 * Each reader reports errors at the YAML node at fault and returns what its section declares;
 * expressions are compiled by {@code ExprCompiler}, their names resolved in a {@code Scope} by
 * {@code NameResolver}. The result is a {@link dev.tandem.spec.compile.CompiledSpec}, served by
 * {@link dev.tandem.spec.FeatureSpec}. Everything else here is package-private.
 */
package dev.tandem.spec.compile;
