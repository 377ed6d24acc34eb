package dev.tandem.spec.expr;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every function of the spec language by name: the one list the compiler looks calls up in. */
public final class Functions {
  private static final Map<String, FunctionDef> BY_NAME = index(ScalarFunctions.all(), WindowFunctions.all());

  private Functions() {}

  /** The function called {@code name}, or null. */
  public static FunctionDef get(String name) {
    return BY_NAME.get(name);
  }

  @SafeVarargs
  private static Map<String, FunctionDef> index(List<FunctionDef>... lists) {
    Map<String, FunctionDef> byName = new HashMap<>();
    for (List<FunctionDef> list : lists) {
      for (FunctionDef f : list) {
        if (byName.put(f.name(), f) != null) {
          throw new IllegalStateException("function " + f.name() + "() is defined twice");
        }
      }
    }
    return Map.copyOf(byName);
  }
}
