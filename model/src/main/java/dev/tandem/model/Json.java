package dev.tandem.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.JsonSchema;

/** The little JSON this module writes (metadata, metrics) and reads (those, and metadata.json). */
final class Json {
  private Json() {}

  /** Pretty-printed JSON of maps, lists, strings, numbers, booleans and nulls; NaN and infinities as null. */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, "");
    return out.append('\n').toString();
  }

  private static void write(Object value, StringBuilder out, String indent) {
    if (value == null || value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
      out.append("null");
    } else if (value instanceof String s) {
      quote(s, out);
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      String inner = indent + "  ";
      out.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.append(inner);
        quote(e.getKey().toString(), out);
        out.append(": ");
        write(e.getValue(), out, inner);
        out.append(++i < map.size() ? ",\n" : "\n");
      }
      out.append(indent).append('}');
    } else if (value instanceof List<?> list) {
      // Lists of scalars stay on one line.
      boolean scalars = list.stream().noneMatch(v -> v instanceof Map || v instanceof List);
      String inner = indent + "  ";
      out.append(scalars ? "[" : "[\n");
      for (int i = 0; i < list.size(); i++) {
        if (!scalars) {
          out.append(inner);
        }
        write(list.get(i), out, inner);
        if (i < list.size() - 1) {
          out.append(scalars ? ", " : ",\n");
        }
      }
      out.append(scalars ? "]" : "\n" + indent + "]");
    } else {
      throw new IllegalArgumentException("not a JSON value: " + value.getClass());
    }
  }

  private static void quote(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Reads a JSON object file; a missing file or bad JSON is a {@link ModelException} naming the file. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> readObject(Path file) throws ModelException, IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ModelException(file + " not found");
    }
    Object value;
    try {
      value = new Load(LoadSettings.builder().setSchema(new JsonSchema()).setLabel(file.toString()).build())
          .loadFromString(text);
    } catch (YamlEngineException e) {
      throw new ModelException(file + " is not valid JSON: " + e.getMessage());
    }
    if (!(value instanceof Map<?, ?>)) {
      throw new ModelException(file + " does not hold a JSON object");
    }
    return (Map<String, Object>) value;
  }

  /** The value at a dotted path ({@code "spec.name"}); missing or of another type is a {@link ModelException}. */
  static <T> T get(Map<String, Object> root, Path file, String path, Class<T> type) throws ModelException {
    Object value = root;
    for (String key : path.split("\\.")) {
      value = value instanceof Map<?, ?> map ? map.get(key) : null;
    }
    if (!type.isInstance(value)) {
      throw new ModelException(file + ": " + (value == null ? "missing " + path
          : path + " is " + value + ", expected a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT)));
    }
    return type.cast(value);
  }
}
