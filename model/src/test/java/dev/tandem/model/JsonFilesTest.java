package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.spec.def.ModelDef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * The JSON files' contract: files as the earlier writers wrote them (the model's hand-written
 * writer, the training-set job's string concatenation) read into the records and are written back
 * with the same fields and values; a file that breaks the contract names the file and the field.
 */
class JsonFilesTest {
  @TempDir
  Path tmp;

  static final String SHA = "ab".repeat(32);

  /** tandem-model.json as the hand-written writer wrote it (NaN figures as null). */
  static final String MODEL_JSON = """
      {
        "format": "tandem-model/1",
        "spec": {
          "name": "jd",
          "sha256": "%s"
        },
        "model_ids": {
          "hash": "xxh64",
          "seed": 7,
          "inputs": [
            {
              "feature": "f0",
              "encoding": "hash"
            },
            {
              "feature": "f1",
              "encoding": "buckets",
              "boundaries": [1.0, 10.0]
            }
          ]
        },
        "signature": {
          "key": "serving_default",
          "input": "feature_ids: int64 [-1, 2]",
          "output": "score: float [-1, 1]"
        },
        "architecture": {
          "type": "deepfm",
          "table_size": 1000,
          "embedding_dim": 4,
          "dnn": [16, 8]
        },
        "evaluation": {
          "best_epoch": 2,
          "validation_auc": 0.75,
          "validation_logloss": 0.5,
          "test_auc": null,
          "test_logloss": 0.625,
          "test_auc_95": {
            "low": null,
            "high": null,
            "resamples": 0
          }
        }
      }
      """.formatted(SHA);

  /** metadata.json as the training-set job's string concatenation wrote it. */
  static final String TRAINING_SET_JSON = """
      {
        "spec": {"name": "jd", "version": 1, "sha256": "%s"},
        "features": [{"name": "reqId", "type": "string"}, {"name": "label", "type": "int"}],
        "label": "label",
        "model_ids": {"column": "model_ids", "hash": "xxh64", "seed": 42, "inputs": [{"feature": "f0", "encoding": "hash"}, {"feature": "f1", "encoding": "buckets", "boundaries": [1.0, 10.0]}]},
        "split": {"by": "request time", "validation_from": "2016-04-01T00:00:00Z", "test_from": "2016-04-08T00:00:00Z"},
        "splits": {"train": {"rows": 800, "positives": 80, "label_rate": 0.100000}, "validation": {"rows": 100, "positives": 0, "label_rate": 0.000000}, "test": {"rows": 3, "positives": 1, "label_rate": 0.333333}}
      }
      """.formatted(SHA);

  /** metrics.json as the hand-written writer wrote it. */
  static final String METRICS_JSON = """
      {
        "spec": {
          "sha256": "%s",
          "name": "jd"
        },
        "training_set": "/data/ts",
        "options": {
          "epochs": 3,
          "batch_size": 256,
          "learning_rate": 0.005,
          "embedding_learning_rate": 0.05,
          "embedding_dim": 4,
          "dnn": [16],
          "dropout": 0.1,
          "table_size": 1000,
          "seed": 42,
          "patience": 2,
          "shuffle_buffer": 100000
        },
        "splits": {
          "train": {
            "rows": 800,
            "positives": 80,
            "null_labels": 3
          },
          "validation": {
            "rows": 100,
            "positives": 0,
            "null_labels": 0
          },
          "test": {
            "rows": 3,
            "positives": 1,
            "null_labels": 0
          }
        },
        "epochs": [
          {
            "epoch": 1,
            "train_loss": 0.4,
            "validation_auc": null,
            "validation_logloss": 0.3,
            "examples_per_second": 12345.5,
            "seconds": 0.25
          }
        ],
        "best_epoch": 1,
        "stopped_early": false,
        "test": {
          "rows": 3,
          "positives": 1,
          "auc": 0.5,
          "logloss": 0.7,
          "auc_95": {
            "low": 0.25,
            "high": 0.75,
            "resamples": 998
          }
        }
      }
      """.formatted(SHA);

  private static final ObjectMapper PLAIN = new ObjectMapper();

  private Path file(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  /** Written back, the file has the same fields and values as the earlier writer's (whitespace aside). */
  private static void assertSameJson(String expected, String actual) throws Exception {
    JsonNode want = PLAIN.readTree(expected);
    JsonNode got = PLAIN.readTree(actual);
    assertEquals(want, got, actual);
  }

  @Test
  void modelMetadataReadsTheEarlierFileAndWritesItBack() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    file("model/" + ModelMetadata.FILE, MODEL_JSON);
    ModelMetadata metadata = ModelMetadata.read(dir);
    assertEquals("jd", metadata.specName());
    assertEquals(SHA, metadata.specSha256());
    assertEquals(7, metadata.hashSeed());
    assertEquals(List.of(new ModelDef.Input("f0", ModelDef.Encoding.HASH, List.of()),
        new ModelDef.Input("f1", ModelDef.Encoding.BUCKETS, List.of(1.0, 10.0))), metadata.inputs());
    assertEquals(1000, metadata.tableSize());
    assertEquals(List.of(16, 8), metadata.dnn());
    assertEquals(2, metadata.evaluation().bestEpoch());
    assertTrue(Double.isNaN(metadata.evaluation().testAuc()), "null reads as NaN");
    assertEquals(0, metadata.evaluation().testAucInterval().resamples());
    assertSameJson(MODEL_JSON, JsonFiles.toJson(metadata));

    // What the trainer builds is the same file.
    ModelMetadata built = new ModelMetadata("jd", SHA, 7, metadata.inputs(), 1000, 4, List.of(16, 8),
        metadata.evaluation());
    assertEquals(metadata, built);
  }

  @Test
  void trainingSetMetadataReadsTheEarlierFileAndWritesItBack() throws Exception {
    file(TrainingSetMetadata.FILE, TRAINING_SET_JSON);
    TrainingSetMetadata metadata = TrainingSetMetadata.read(tmp);
    assertEquals("label", metadata.label());
    assertEquals(1, metadata.spec().version());
    assertEquals("model_ids", metadata.modelIds().column());
    assertEquals(2, metadata.modelIds().inputs().size());
    assertEquals(new TrainingSetMetadata.SplitCounts(3, 1, 0.333333), metadata.splits().get("test"));
    assertEquals(TrainingSetMetadata.SplitCounts.of(3, 1), metadata.splits().test());
    assertEquals("2016-04-08T00:00:00Z", metadata.split().testFrom());
    assertSameJson(TRAINING_SET_JSON, metadata.toJson());
  }

  @Test
  void trainingSetMetadataWithoutTheDescriptiveFields() throws Exception {
    // As other code may write it (the online server's test model does): no features, split or label_rate.
    file(TrainingSetMetadata.FILE, """
        {"spec": {"name": "jd", "version": 1, "sha256": "%s"}, "label": "label",
         "model_ids": {"column": "model_ids", "hash": "xxh64", "seed": 42, "inputs": [{"feature": "f0", "encoding": "hash"}]},
         "splits": {"train": {"rows": 8, "positives": 1}, "validation": {"rows": 1, "positives": 0}, "test": {"rows": 1, "positives": 1}}}
        """.formatted(SHA));
    TrainingSetMetadata metadata = TrainingSetMetadata.read(tmp);
    assertEquals(List.of(), metadata.features());
    assertEquals(null, metadata.split());
    assertTrue(Double.isNaN(metadata.splits().train().labelRate()));
    assertEquals(8, metadata.splits().train().rows());
  }

  @Test
  void metricsReadTheEarlierFileAndWriteItBack() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    file("model/" + ModelMetrics.FILE, METRICS_JSON);
    ModelMetrics metrics = ModelMetrics.read(dir);
    assertEquals(0.005f, metrics.options().learningRate());
    assertEquals(3, metrics.splits().train().nullLabels());
    assertTrue(Double.isNaN(metrics.epochs().get(0).validationAuc()));
    assertEquals(998, metrics.test().aucInterval().resamples());
    assertSameJson(METRICS_JSON, JsonFiles.toJson(metrics));
  }

  @Test
  void writesFieldColonValueAndNullForNaN() {
    String json = JsonFiles.toJson(new Metrics.Interval(Double.NaN, 0.5, 0));
    assertEquals("{\n  \"low\": null,\n  \"high\": 0.5,\n  \"resamples\": 0\n}\n", json);
  }

  private String modelFails(String json) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(dir.resolve(ModelMetadata.FILE), json);
    ModelException e = assertThrows(ModelException.class, () -> ModelMetadata.read(dir));
    String prefix = dir.resolve(ModelMetadata.FILE) + "";
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    assertFalse(e.getMessage().contains("ClassCast"), e.getMessage());
    return e.getMessage().substring(prefix.length());
  }

  @Test
  void aMalformedModelFileNamesTheFileAndTheField() throws Exception {
    // {text of the good file, what replaces it, the message after the file name}
    String[][] cases = {
        {"\"table_size\": 1000,", "", ": missing field 'architecture.table_size'"},
        {"\"table_size\": 1000", "\"table_size\": \"big\"",
            ": field 'architecture.table_size' is the string \"big\", expected an integer"},
        {"\"table_size\": 1000", "\"table_size\": 1000.5",
            ": field 'architecture.table_size' is the number 1000.5, expected an integer"},
        {"\"name\": \"jd\"", "\"name\": null", ": field 'spec.name' is null"},
        {"\"name\": \"jd\"", "\"name\": 5", ": field 'spec.name' is the number 5, expected a string"},
        {"\"dnn\": [16, 8]", "\"dnn\": {}", ": field 'architecture.dnn' is an object, expected a list"},
        {"\"dnn\": [16, 8]", "\"dnn\": [16, \"8\"]",
            ": field 'architecture.dnn[1]' is the string \"8\", expected an integer"},
        {"\"encoding\": \"buckets\",", "", ": missing field 'model_ids.inputs[1].encoding'"},
        {"\"encoding\": \"buckets\"", "\"encoding\": \"onehot\"",
            ": field 'model_ids.inputs[1].encoding' is the string \"onehot\", expected one of \"hash\", \"buckets\""},
        {"[1.0, 10.0]", "[1.0, null]", ": field 'model_ids.inputs[1].boundaries[1]' is null"},
        {"\"test_auc_95\": {\n      \"low\": null,\n      \"high\": null,\n      \"resamples\": 0\n    }",
            "\"test_auc_95\": 3", ": field 'evaluation.test_auc_95' is the number 3, expected an object"},
        {"\"seed\": 7", "\"seed\": 99999999999999999999", ": field 'model_ids.seed': Numeric value"
            + " (99999999999999999999) out of range of long (-9223372036854775808 - 9223372036854775807)"},
    };
    for (String[] c : cases) {
      assertTrue(MODEL_JSON.contains(c[0]), c[0]);
      assertEquals(c[2], modelFails(MODEL_JSON.replace(c[0], c[1])), c[1]);
    }
    assertEquals(": expected a JSON object, found a list", modelFails("[1, 2]"));
    assertEquals(": empty file, expected a JSON object", modelFails(""));
    assertTrue(modelFails("{\"format\": ").startsWith(" is not valid JSON: Unexpected end-of-input"));
  }

  @Test
  void aMalformedTrainingSetFileNamesTheFileAndTheField() throws Exception {
    file(TrainingSetMetadata.FILE, TRAINING_SET_JSON.replace("\"test\": {\"rows\": 3, \"positives\": 1, \"label_rate\": 0.333333}",
        "\"test\": {\"rows\": \"3\", \"positives\": 1}"));
    ModelException e = assertThrows(ModelException.class, () -> TrainingSetMetadata.read(tmp));
    assertEquals(tmp.resolve(TrainingSetMetadata.FILE) + ": field 'splits.test.rows' is the string \"3\", expected an integer",
        e.getMessage());
    file(TrainingSetMetadata.FILE, TRAINING_SET_JSON.replace("\"label\": \"label\",", ""));
    e = assertThrows(ModelException.class, () -> TrainingSetMetadata.read(tmp));
    assertEquals(tmp.resolve(TrainingSetMetadata.FILE) + ": missing field 'label'", e.getMessage());
  }
}
