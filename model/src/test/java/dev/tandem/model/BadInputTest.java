package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad training sets and model folders fail with a message naming the problem, and write no model folder. */
class BadInputTest {
  @TempDir
  Path tmp;

  private Path modelDir() {
    return tmp.resolve("models").resolve("m");
  }

  private String trainFails(Path trainingSet) {
    TrainOptions options = TrainOptions.builder(trainingSet, modelDir())
        .epochs(1).batchSize(256).tableSize(1_000).embeddingDim(4).dnn(List.of(8)).build();
    ModelException e = assertThrows(ModelException.class,
        () -> Trainer.train(options, new PrintStream(new ByteArrayOutputStream())));
    assertNoModelWritten();
    return e.getMessage();
  }

  private void assertNoModelWritten() {
    assertFalse(Files.exists(modelDir()), "no model folder");
    Path parent = modelDir().getParent();
    if (Files.exists(parent)) {
      try (Stream<Path> entries = Files.list(parent)) {
        assertEquals(List.of(), entries.toList(), "no staging folder left");
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void missingTrainingSetFolder() {
    Path missing = tmp.resolve("nowhere");
    String message = trainFails(missing);
    assertEquals("training set folder " + missing + " not found", message);
  }

  @Test
  void folderWithoutMetadata() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("ts"));
    assertTrue(trainFails(dir).contains(dir + " has no metadata.json"));
  }

  @Test
  void missingSplitFolder() throws Exception {
    Path dir = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("train", 500).write(dir);
    TrainerTest.deleteRecursively(dir.resolve("validation"));
    assertEquals("split 'validation': folder " + dir.resolve("validation") + " not found", trainFails(dir));
  }

  @Test
  void emptySplit() throws Exception {
    Path dir = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("train", 500).rows("test", 0).write(dir);
    assertEquals("split 'test' is empty: the Parquet files in " + dir.resolve("test") + " hold no rows", trainFails(dir));
  }

  @Test
  void rowCountsThatDisagreeWithMetadata() throws Exception {
    Path dir = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("train", 500).write(dir);
    Files.delete(dir.resolve("train/part-00001-of-00002.parquet"));
    assertEquals("split 'train': metadata.json says 500 rows but the Parquet files in " + dir.resolve("train")
        + " hold 250", trainFails(dir));
  }

  @Test
  void aBadRowFoundAfterTrainingStillLeavesNoModel() throws Exception {
    Path dir = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("train", 500).rows("test", 100).badTestRow(3).write(dir);
    String message = trainFails(dir);
    assertTrue(message.startsWith(dir.resolve("test/part-00001-of-00002.parquet") + ", row 49: 'model_ids' holds 3 ids,"
        + " metadata.json declares 6 inputs"), message);
  }

  @Test
  void anExistingModelFolderIsNotOverwritten() throws Exception {
    Path dir = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("train", 500).write(dir);
    Path existing = Files.writeString(Files.createDirectories(modelDir()).resolve("keep.txt"), "mine");
    TrainOptions options = TrainOptions.builder(dir, modelDir()).build();
    ModelException e = assertThrows(ModelException.class,
        () -> Trainer.train(options, new PrintStream(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().contains("already exists and is not empty"), e.getMessage());
    assertEquals("mine", Files.readString(existing));
  }

  @Test
  void aMalformedMetadataFileNamesTheFileAndTheField() throws Exception {
    Path dir = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("train", 500).write(dir);
    Path file = dir.resolve("metadata.json");
    String good = Files.readString(file);
    Files.writeString(file, good.replace("\"seed\": 0", "\"seed\": \"0\""));
    assertEquals(file + ": field 'model_ids.seed' is the string \"0\", expected an integer", trainFails(dir));
    Files.writeString(file, good.replace("\"column\": \"model_ids\",", ""));
    assertEquals(file + ": missing field 'model_ids.column'", trainFails(dir));
    Files.writeString(file, good.substring(0, good.length() / 2));
    String truncated = trainFails(dir);
    assertTrue(truncated.startsWith(file + " is not valid JSON: "), truncated);
  }

  @Test
  void aMalformedModelFileNamesTheFileAndTheField() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Path file = dir.resolve(ModelMetadata.FILE);
    Files.writeString(file, JsonFilesTest.MODEL_JSON.replace("\"embedding_dim\": 4", "\"embedding_dim\": \"four\""));
    ModelException e = assertThrows(ModelException.class, () -> Scorer.load(dir));
    assertEquals(file + ": field 'architecture.embedding_dim' is the string \"four\", expected an integer", e.getMessage());
    Files.writeString(file, JsonFilesTest.MODEL_JSON.replace("\"seed\": 7,", ""));
    e = assertThrows(ModelException.class, () -> Scorer.load(dir));
    assertEquals(file + ": missing field 'model_ids.seed'", e.getMessage());
  }

  @Test
  void notAModelFolder() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    ModelException e = assertThrows(ModelException.class, () -> Scorer.load(dir));
    assertEquals(dir + " is not a Tandem model folder: tandem-model.json not found", e.getMessage());
  }

  @Test
  void invalidOptions() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainOptions.builder(tmp, modelDir()).dropout(1f).build());
    assertEquals("dropout must be in [0, 1), got 1.0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrainOptions.builder(tmp, modelDir()).dnn(List.of(0)).build());
  }
}
