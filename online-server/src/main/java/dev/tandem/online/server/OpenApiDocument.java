package dev.tandem.online.server;

import dev.tandem.online.JsonValues;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.ServingPlan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The server's OpenAPI 3.1 document: {@code openapi.json} (a resource beside this class) with
 * the schemas that depend on the spec filled in: a row schema per table (its columns and their
 * JSON types, nothing else), the request row, the {@code values} and {@code events} maps, the
 * user and item fields of the serving section, and the configured limits. Requests are validated
 * against this document (by vertx-openapi), and {@code GET /openapi.json} serves it.
 */
public final class OpenApiDocument {
  static final String RESOURCE = "openapi.json";

  private OpenApiDocument() {}

  public static JsonObject of(FeatureSpec spec, ServerConfig config) {
    JsonObject doc = template();
    JsonObject schemas = doc.getJsonObject("components").getJsonObject("schemas");
    TableDef request = spec.plan().requestTable();
    JsonObject values = new JsonObject();
    JsonObject events = new JsonObject();
    for (TableDef t : spec.tables()) {
      String name = "Row_" + t.name();
      schemas.put(name, rowSchema(t, false));
      JsonObject ref = new JsonObject().put("$ref", "#/components/schemas/" + name);
      if (t.role() != TableDef.Role.EVENT) {
        values.put(t.name(), ref);
      }
      if (t.role() != TableDef.Role.REQUEST) {
        events.put(t.name(), new JsonObject().put("type", "array").put("items", ref.copy()));
      }
    }
    schemas.put("RequestRow", rowSchema(request, true).put("description", "a row of request table '" + request.name() + "'"));
    schemas.put("Values", new JsonObject().put("type", "object").put("additionalProperties", false).put("properties", values)
        .put("description", "table -> one row: the request table's columns are passed to every request row; a dimension"
            + " table's row is applied to state as if ingested (its time defaults to the request time)"));
    schemas.put("Events", new JsonObject().put("type", "object").put("additionalProperties", false).put("properties", events)
        .put("description", "table -> rows of event or dimension tables applied to state as if ingested"
            + " (times default to the request time)"));

    JsonObject recommend = schemas.getJsonObject("RecommendRequest");
    JsonObject features = schemas.getJsonObject("FeaturesRequest");
    ServingPlan serving = spec.serving();
    recommend.getJsonObject("properties").getJsonObject("n").put("maximum", config.maxN());
    JsonObject candidates = recommend.getJsonObject("properties").getJsonObject("candidates");
    candidates.put("maxItems", config.maxCandidates());
    if (serving != null) {
      JsonObject user = typeSchema(serving.userType(), false).put("description", "the user (request column '" + serving.userColumn() + "')");
      JsonObject item = typeSchema(serving.itemType(), false);
      candidates.put("items", item.copy());
      recommend.getJsonObject("properties").put(serving.userColumn(), user);
      recommend.put("required", new JsonArray().add(serving.userColumn()));
      features.getJsonObject("properties").put(serving.userColumn(), user.copy());
      features.getJsonObject("properties").put(serving.itemColumn(),
          item.copy().put("description", "the item (request column '" + serving.itemColumn() + "')"));
    }
    JsonObject rows = schemas.getJsonObject("EventsRequest").getJsonObject("properties").getJsonObject("rows");
    rows.put("maxItems", config.maxEventRows());
    return doc;
  }

  /**
   * The body schema of an operation of {@code document}, its {@code $ref} followed; null for an
   * operation without a JSON body.
   */
  static JsonObject bodySchema(JsonObject document, String operationId) {
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op && operationId.equals(op.getString("operationId"))) {
          Object schema = JsonPointer.from("/requestBody/content/application~1json/schema").queryJson(op);
          if (schema instanceof JsonObject s && s.getString("$ref") != null) {
            return (JsonObject) JsonPointer.from(s.getString("$ref").substring(1)).queryJson(document);
          }
          return schema instanceof JsonObject s ? s : null;
        }
      }
    }
    return null;
  }

  private static JsonObject rowSchema(TableDef t, boolean timeRequired) {
    JsonObject properties = new JsonObject();
    for (TableDef.ColumnDef c : t.columns()) {
      properties.put(c.name(), typeSchema(c.type(), true));
    }
    JsonObject schema = new JsonObject().put("type", "object").put("additionalProperties", false).put("properties", properties);
    if (timeRequired && t.time() != null) {
      schema.put("required", new JsonArray().add(t.time()));
    }
    return schema;
  }

  /** The JSON Schema of a column type; the typed conversion ({@link JsonValues}) checks the rest (ranges, time text). */
  static JsonObject typeSchema(Type type, boolean nullable) {
    JsonArray types = new JsonArray();
    JsonObject schema = new JsonObject();
    switch (type) {
      case STRING -> types.add("string");
      case INT -> {
        types.add("integer");
        schema.put("minimum", Integer.MIN_VALUE).put("maximum", Integer.MAX_VALUE);
      }
      case BIGINT -> types.add("integer");
      case FLOAT, DOUBLE -> types.add("number");
      case TIMESTAMP -> {
        types.add("string").add("integer");
        schema.put("description", "ISO-8601 instant or epoch milliseconds");
      }
      case BOOL -> types.add("boolean");
      case NULL -> { }
    }
    if (nullable || type == Type.NULL) {
      types.add("null");
    }
    return schema.put("type", types).put("x-tandem-type", type.specName());
  }

  private static JsonObject template() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " missing beside " + OpenApiDocument.class.getName());
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
