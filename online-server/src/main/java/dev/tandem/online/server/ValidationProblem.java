package dev.tandem.online.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import io.vertx.json.schema.OutputUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the validator's output says is wrong with a request body, as the field at fault and a
 * reason. The output is read by keyword and location, never by its wording: the deepest failed
 * assertion wins (a type, a bound, a required member, an item count); without one, the deepest
 * member the schema does not declare. Names and limits come from the schema and the body at those
 * locations.
 *
 * @param field the body's path at fault ({@code values.bo_user.age}, {@code candidates[3]}), "" for the body itself
 * @param reason why, or null for a member the schema does not declare (the caller words that: it knows the spec)
 */
record ValidationProblem(String field, String reason) {

  /**
   * Keywords that apply subschemas: their units only say that a part failed; the reason is in a
   * deeper unit. ({@code additionalProperties} is one too, but alone at a location it means an
   * undeclared member.)
   */
  private static final Set<String> APPLICATORS = Set.of("properties", "patternProperties", "additionalProperties",
      "items", "prefixItems", "contains", "$ref", "$dynamicRef", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
      "dependentSchemas", "propertyNames", "unevaluatedItems", "unevaluatedProperties");
  private static final String UNDECLARED = "additionalProperties";

  boolean undeclaredMember() {
    return reason == null;
  }

  /**
   * @param bodySchema the operation's body schema: locations in the output that do not start with
   *     {@code /components/} point into it
   * @param document the OpenAPI document, for locations under {@code /components/}
   * @param body the decoded body the output is about
   * @return null when the output names no failed unit
   */
  static ValidationProblem of(OutputUnit output, JsonObject bodySchema, JsonObject document, Object body) {
    List<OutputUnit> units = new ArrayList<>();
    flatten(output, units);
    units.removeIf(u -> u.getError() == null || u.getInstanceLocation() == null || u.getKeywordLocation() == null);
    OutputUnit assertion = null;
    for (OutputUnit u : units) {
      if (!APPLICATORS.contains(keyword(u)) && (assertion == null || depth(u) > depth(assertion))) {
        assertion = u;
      }
    }
    if (assertion != null) {
      return explain(assertion, bodySchema, document, body);
    }
    // vertx-json-schema also reports a declared member whose value failed under additionalProperties,
    // next to the unit of the keyword that failed it: alone at its location, the member is undeclared.
    OutputUnit undeclared = null;
    for (OutputUnit u : units) {
      if (keyword(u).equals(UNDECLARED) && units.stream().noneMatch(o -> !keyword(o).equals(UNDECLARED)
          && o.getInstanceLocation().equals(u.getInstanceLocation())) && (undeclared == null || depth(u) > depth(undeclared))) {
        undeclared = u;
      }
    }
    return undeclared == null ? null : new ValidationProblem(pointerToPath(undeclared.getInstanceLocation()), null);
  }

  private static ValidationProblem explain(OutputUnit u, JsonObject bodySchema, JsonObject document, Object body) {
    String path = pointerToPath(u.getInstanceLocation());
    Object keywordValue = schemaAt(u.getAbsoluteKeywordLocation(), bodySchema, document);
    Object instance = at(body, fragment(u.getInstanceLocation()));
    switch (keyword(u)) {
      case "required" -> {
        if (keywordValue instanceof JsonArray names && instance instanceof JsonObject object) {
          for (Object name : names) {
            if (!object.containsKey(String.valueOf(name))) {
              return new ValidationProblem(join(path, String.valueOf(name)), "required");
            }
          }
        }
        return new ValidationProblem(path, "a required member is missing");
      }
      case "maxItems" -> {
        if (keywordValue instanceof Number max && instance instanceof JsonArray items) {
          return new ValidationProblem(path, "too many items: " + items.size() + ", at most " + max);
        }
        return new ValidationProblem(path, "too many items");
      }
      // The validator's own sentence for the rest ("Instance type string is invalid. Expected integer",
      // "-1 is less than 0"): it is written for people and names no internals.
      default -> {
        return new ValidationProblem(path, u.getError());
      }
    }
  }

  /** The last segment of the unit's keyword location: the keyword that failed. */
  private static String keyword(OutputUnit u) {
    String location = u.getKeywordLocation();
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private static int depth(OutputUnit u) {
    String pointer = fragment(u.getInstanceLocation());
    return pointer.isEmpty() ? 0 : pointer.split("/", -1).length;
  }

  private static Object schemaAt(String absoluteLocation, JsonObject bodySchema, JsonObject document) {
    if (absoluteLocation == null || !absoluteLocation.contains("#")) {
      return null;
    }
    String pointer = fragment(absoluteLocation);
    return at(pointer.startsWith("/components/") ? document : bodySchema, pointer);
  }

  private static Object at(Object json, String pointer) {
    try {
      return json == null ? null : JsonPointer.from(pointer).queryJson(json);
    } catch (IllegalArgumentException e) {
      return null; // not a pointer this JSON can answer
    }
  }

  /** The JSON pointer of a location ({@code app:///#/a/b} or {@code #/a/b} → {@code /a/b}; {@code #} → ""). */
  private static String fragment(String location) {
    int hash = location.indexOf('#');
    return hash < 0 ? location : location.substring(hash + 1);
  }

  private static void flatten(OutputUnit unit, List<OutputUnit> out) {
    out.add(unit);
    if (unit.getErrors() != null) {
      unit.getErrors().forEach(u -> flatten(u, out));
    }
  }

  /** A JSON pointer ({@code /values/bo_user/age}, {@code /candidates/3}) as a path ({@code values.bo_user.age}, {@code candidates[3]}). */
  static String pointerToPath(String pointer) {
    StringBuilder b = new StringBuilder();
    if (pointer != null && pointer.startsWith("#")) {
      pointer = pointer.substring(1); // a URI fragment: "#" is the root
    }
    if (pointer == null || pointer.isEmpty() || pointer.equals("/")) {
      return "";
    }
    for (String raw : pointer.substring(pointer.startsWith("/") ? 1 : 0).split("/", -1)) {
      String segment = raw.replace("~1", "/").replace("~0", "~");
      if (!segment.isEmpty() && segment.chars().allMatch(Character::isDigit) && b.length() > 0) {
        b.append('[').append(segment).append(']');
      } else {
        b.append(b.length() == 0 ? "" : ".").append(segment);
      }
    }
    return b.toString();
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
