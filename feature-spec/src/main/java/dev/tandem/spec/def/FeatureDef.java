package dev.tandem.spec.def;

/** An output column: its name, expression, default window and result type. */
public record FeatureDef(String name, String expr, String over, Type type) {}
