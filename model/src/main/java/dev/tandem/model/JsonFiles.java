package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdDelegatingDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdDelegatingSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.util.StdConverter;
import dev.tandem.spec.def.ModelDef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads and writes the JSON files of training sets and models ({@link TrainingSetMetadata},
 * {@link ModelMetadata}, {@link ModelMetrics}): one Jackson mapper, strict on reading.
 *
 * <ul>
 *   <li>Every record component is a <b>required</b> field unless it says what its absence means
 *       with {@code @JsonSetter(nulls = ...)} ({@code AS_EMPTY}: an empty list, {@code SET}: null).
 *   <li>No {@code null} where a value is required, no coercion: a string is not a number, a number
 *       is not a string, {@code 2.5} is not an integer, {@code "true"} is not a boolean.
 *   <li>A double that is not finite (an AUC without positives) is written as {@code null} and read
 *       back as NaN.
 *   <li>Unknown fields are ignored (a newer writer may add some).
 * </ul>
 *
 * A file that breaks the contract is a {@link ModelException} naming the file and the field
 * ({@code model_ids.inputs[2].encoding}): missing, null, or of the wrong type.
 */
final class JsonFiles {
  private static final ObjectMapper MAPPER = mapper();
  private static final ObjectWriter WRITER = MAPPER.writer(new Printer());

  private JsonFiles() {}

  /** Reads {@code file} as a {@code type}; a missing file, bad JSON or a field that breaks the contract is a {@link ModelException}. */
  static <T> T read(Path file, Class<T> type) throws ModelException, IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelException(file + " not found");
    }
    try {
      return MAPPER.readValue(bytes, type);
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof JsonParseException syntax) { // met while binding a field
        throw notJson(file, syntax);
      }
      throw new ModelException(file + ": " + describe(e), e);
    } catch (JsonProcessingException e) {
      throw notJson(file, e);
    }
  }

  /** {@code value} as pretty-printed JSON ({@code "field": value}, two-space indent), ending with a newline. */
  static String toJson(Object value) {
    try {
      return WRITER.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  static void write(Path file, Object value) throws IOException {
    Files.writeString(file, toJson(value), StandardCharsets.UTF_8);
  }

  private static String describe(JsonMappingException e) {
    String field = path(e);
    if (field.isEmpty()) {
      if (e instanceof MismatchedInputException m && m.getProcessor() instanceof JsonParser p && p.currentToken() == null) {
        return "empty file, expected a JSON object";
      }
      return "expected a JSON object, found " + found(e);
    }
    String message = e.getOriginalMessage();
    if (message.startsWith("Missing required creator property")) {
      return "missing field '" + field + "'";
    }
    if (e instanceof InvalidNullException) {
      return "field '" + field + "' is null";
    }
    if (e instanceof MismatchedInputException m) {
      return "field '" + field + "' is " + found(e) + ", expected " + expected(m.getTargetType());
    }
    return "field '" + field + "': " + message; // e.g. a number out of range of its type
  }

  /** The failing field as {@code a.b[2].c}. */
  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  /** The value the parser stopped at, in words. */
  private static String found(JsonMappingException e) {
    if (!(e.getProcessor() instanceof JsonParser parser) || parser.currentToken() == null) {
      return "something else";
    }
    JsonToken token = parser.currentToken();
    try {
      return switch (token) {
        case START_OBJECT, END_OBJECT, FIELD_NAME -> "an object";
        case START_ARRAY, END_ARRAY -> "a list";
        case VALUE_STRING -> "the string \"" + parser.getText() + "\"";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + parser.getNumberValue();
        case VALUE_TRUE, VALUE_FALSE -> parser.getText();
        case VALUE_NULL -> "null";
        default -> token.toString();
      };
    } catch (IOException unreadable) {
      return token.toString();
    }
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.stream(type.getEnumConstants())
          .map(c -> "\"" + ((Enum<?>) c).name().toLowerCase(Locale.ROOT) + "\"").collect(Collectors.joining(", "));
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "an object";
  }

  private static ModelException notJson(Path file, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    return new ModelException(file + " is not valid JSON: " + e.getOriginalMessage()
        + (at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
  }

  private static ObjectMapper mapper() {
    SimpleModule module = new SimpleModule("tandem-json-files");
    // A NaN metric is written as null and read back as NaN.
    StdSerializer<Double> doubles = new StdSerializer<>(Double.class) {
      @Override
      public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
        if (Double.isFinite(value)) {
          out.writeNumber(value);
        } else {
          out.writeNull();
        }
      }
    };
    module.addSerializer(Double.class, doubles);
    module.addSerializer(double.class, doubles);
    module.addDeserializer(Double.class, new NumberDeserializers.DoubleDeserializer(Double.class, Double.NaN));
    module.addDeserializer(double.class, new NumberDeserializers.DoubleDeserializer(Double.class, Double.NaN));
    // Model inputs as ModelInput; encodings as the spec writes them: "hash", "buckets".
    module.addSerializer(ModelDef.Input.class, new StdDelegatingSerializer(ModelDef.Input.class,
        new StdConverter<ModelDef.Input, ModelInput>() {
          @Override
          public ModelInput convert(ModelDef.Input input) {
            return new ModelInput(input.feature(), input.encoding(), input.boundaries());
          }
        }));
    module.addDeserializer(ModelDef.Input.class, new StdDelegatingDeserializer<>(
        new StdConverter<ModelInput, ModelDef.Input>() {
          @Override
          public ModelDef.Input convert(ModelInput input) {
            return new ModelDef.Input(input.feature(), input.encoding(), List.copyOf(input.boundaries()));
          }
        }));
    module.addSerializer(ModelDef.Encoding.class, new StdSerializer<>(ModelDef.Encoding.class) {
      @Override
      public void serialize(ModelDef.Encoding value, JsonGenerator out, SerializerProvider provider) throws IOException {
        out.writeString(value.name().toLowerCase(Locale.ROOT));
      }
    });

    ObjectMapper mapper = JsonMapper.builder()
        .annotationIntrospector(new RequiredUnlessOptional())
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
        .addModule(module)
        .build();
    // Explicit nulls (and null list elements) fail, except for doubles (NaN, above).
    mapper.setDefaultSetterInfo(JsonSetter.Value.construct(Nulls.FAIL, Nulls.FAIL));
    mapper.configOverride(Double.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.SET));
    mapper.configOverride(double.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.SET));
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  /**
   * A model input ({@link ModelDef.Input}) as the files write it: {@code {"feature": "f", "encoding":
   * "hash"}}, or {@code "buckets"} with {@code "boundaries": [...]}.
   */
  record ModelInput(
      @JsonProperty("feature") String feature,
      @JsonProperty("encoding") ModelDef.Encoding encoding,
      @JsonProperty("boundaries") @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY)
      List<Double> boundaries) {}

  /** A field is required unless it declares what a missing or null value means ({@code @JsonSetter(nulls = ...)}). */
  private static final class RequiredUnlessOptional extends JacksonAnnotationIntrospector {
    @Override
    public Boolean hasRequiredMarker(AnnotatedMember member) {
      JsonSetter.Value setter = findSetterInfo(member);
      return setter == null || setter.getValueNulls() == Nulls.DEFAULT;
    }
  }

  /** Jackson's pretty printer with {@code "field": value} rather than {@code "field" : value}. */
  private static final class Printer extends DefaultPrettyPrinter {
    Printer() {}

    private Printer(Printer base) {
      super(base);
    }

    @Override
    public DefaultPrettyPrinter createInstance() {
      return new Printer(this);
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator out) throws IOException {
      out.writeRaw(": ");
    }
  }
}
