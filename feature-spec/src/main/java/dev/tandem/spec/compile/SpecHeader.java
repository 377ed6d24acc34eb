package dev.tandem.spec.compile;

import java.time.ZoneOffset;

/** What the spec's header declares: its {@code name}, {@code version} and {@code timezone}. */
record SpecHeader(String name, int version, ZoneOffset zone) {}
