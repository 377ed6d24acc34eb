package dev.tandem.spec.compile;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The names one section of a spec declares, in order: those that compiled, with what they
 * compiled to, and the broken ones, whose errors are reported already (a reference to one is not
 * reported again).
 */
final class Declared<T> {
  private final Map<String, T> valid = new LinkedHashMap<>();
  private final Set<String> broken = new HashSet<>();

  void add(String name, T value) {
    valid.put(name, value);
  }

  void addBroken(String name) {
    broken.add(name);
  }

  /** The value of a valid name, or null. */
  T get(String name) {
    return valid.get(name);
  }

  boolean has(String name) {
    return valid.containsKey(name);
  }

  boolean isBroken(String name) {
    return broken.contains(name);
  }

  Set<String> names() {
    return valid.keySet();
  }

  Collection<T> values() {
    return valid.values();
  }

  /** The valid names and their values, in order (read-only). */
  Map<String, T> asMap() {
    return Collections.unmodifiableMap(valid);
  }

  /** The valid names for a message, as {@code " (known: a, b)"}; empty when there are none. */
  String known() {
    return known(valid.keySet());
  }

  static String known(Collection<String> names) {
    return names.isEmpty() ? "" : " (known: " + String.join(", ", names) + ")";
  }
}
