package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;

class TrainerTest {
  @TempDir
  static Path tmp;
  static Path trainingSet;
  static Path modelDir;
  static Map<String, Integer> nullLabels;
  static TrainingReport report;
  static String progress;

  @BeforeAll
  static void train() throws Exception {
    trainingSet = tmp.resolve("ts");
    nullLabels = new SyntheticTrainingSet().write(trainingSet);
    modelDir = tmp.resolve("models/m1");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    report = Trainer.train(TrainOptions.builder(trainingSet, modelDir)
        .epochs(6).patience(2).batchSize(256).tableSize(5_000).embeddingDim(8).dnn(List.of(32, 16))
        .dropout(0.1f).learningRate(0.005f).build(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    progress = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(progress);
  }

  @Test
  void learnsThePlantedSignal() {
    assertTrue(report.test().auc() > 0.75, "test AUC " + report.test().auc());
    assertTrue(report.best().validationAuc() > 0.75, "validation AUC " + report.best().validationAuc());
    assertTrue(report.epochs().get(report.epochs().size() - 1).trainLoss() < report.epochs().get(0).trainLoss());
    assertEquals(1000, report.test().rows());
    Metrics.Interval interval = report.test().aucInterval();
    assertTrue(interval.low() <= report.test().auc() && report.test().auc() <= interval.high(), interval.toString());
  }

  @Test
  void keepsTheBestEpochAndStopsAfterPatience() {
    double bestAuc = report.epochs().stream().mapToDouble(TrainingReport.Epoch::validationAuc).max().orElseThrow();
    assertEquals(bestAuc, report.best().validationAuc());
    // Patience 2 over at most 6 epochs: training stops exactly when 2 epochs pass without a better AUC.
    boolean mustStop = report.bestEpoch() + 2 < 6;
    assertEquals(mustStop, report.stoppedEarly());
    assertEquals(mustStop ? report.bestEpoch() + 2 : 6, report.epochs().size());
  }

  @Test
  void stopsEarlyWhenTheValidationAucCannotImprove(@TempDir Path dir) throws Exception {
    Path set = dir.resolve("ts");
    new SyntheticTrainingSet().rows("train", 2000).rows("validation", 200).rows("test", 400).flatValidation().write(set);
    Path model = dir.resolve("model");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TrainingReport flat = Trainer.train(TrainOptions.builder(set, model).epochs(5).patience(1).batchSize(256)
        .tableSize(2_000).embeddingDim(4).dnn(List.of(8)).build(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    // Every validation row has the same ids, so every epoch's validation AUC is exactly 0.5: epoch 1
    // is the best, epoch 2 is one epoch without a better AUC, and patience 1 stops there.
    assertEquals(List.of(0.5, 0.5), flat.epochs().stream().map(TrainingReport.Epoch::validationAuc).toList(), out);
    assertTrue(flat.stoppedEarly(), out);
    assertEquals(1, flat.bestEpoch());
    assertTrue(out.contains("epoch 2/5: train loss"), out);
    assertTrue(out.contains("no better validation AUC for 1 epochs: stopping, keeping epoch 1"), out);
    assertFalse(out.contains("epoch 3/5"), out);
    assertTrue(out.contains("test (epoch 1 weights): AUC"), out);
    ModelMetrics metrics = ModelMetrics.read(model);
    assertTrue(metrics.stoppedEarly());
    assertEquals(1, metrics.bestEpoch());
    assertEquals(2, metrics.epochs().size());
    assertEquals(1, ModelMetadata.read(model).evaluation().bestEpoch());
  }

  @Test
  void exportedModelScoresLikeTheKeptWeights() throws Exception {
    TrainingSet set = TrainingSet.open(trainingSet);
    try (Scorer scorer = Scorer.load(modelDir)) {
      assertEquals(report.best().validationAuc(), auc(scorer, set, "validation"));
      assertEquals(report.test().auc(), auc(scorer, set, "test"));
    }
  }

  private static double auc(Scorer scorer, TrainingSet set, String split) throws Exception {
    List<long[]> ids = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    set.read(set.split(split).parts(), (row, label) -> {
      ids.add(row);
      labels.add(label);
    });
    float[] scores = scorer.score(ids.toArray(long[][]::new));
    return Metrics.auc(scores, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  @Test
  void writesTheModelFolder() throws Exception {
    for (String file : List.of("saved_model.pb", "variables", ModelMetadata.FILE, "metrics.json", "training.png")) {
      assertTrue(Files.exists(modelDir.resolve(file)), file);
    }
    BufferedImage plot = ImageIO.read(modelDir.resolve("training.png").toFile());
    assertEquals(900, plot.getWidth());
    try (Stream<Path> siblings = Files.list(modelDir.getParent())) {
      assertEquals(List.of(modelDir), siblings.toList(), "no staging folder left");
    }

    ModelMetadata metadata = ModelMetadata.read(modelDir);
    assertEquals("synthetic", metadata.specName());
    assertEquals(SyntheticTrainingSet.inputs(6), metadata.inputs());
    assertEquals(5_000, metadata.tableSize());
    assertEquals(List.of(32, 16), metadata.dnn());
    assertEquals(report.bestEpoch(), metadata.evaluation().bestEpoch());
    assertEquals(report.test().auc(), metadata.evaluation().testAuc());

    ModelMetrics metrics = ModelMetrics.read(modelDir);
    assertEquals(report.epochs(), metrics.epochs());
    assertEquals(report.bestEpoch(), metrics.bestEpoch());
    assertEquals(report.stoppedEarly(), metrics.stoppedEarly());
    assertEquals(6, metrics.options().epochs());
    assertEquals(0.005f, metrics.options().learningRate());
    assertEquals(report.test().aucInterval(), metrics.test().aucInterval());
    for (String split : TrainingSet.SPLITS) {
      assertEquals(nullLabels.get(split).longValue(), metrics.splits().get(split).nullLabels(), split);
    }
    assertTrue(nullLabels.get("train") > 0);
  }

  @Test
  void servingGraphHasNoOptimizerState() {
    try (SavedModelBundle bundle = SavedModelBundle.load(modelDir.toString(), "serve")) {
      List<String> variables = new ArrayList<>();
      for (Iterator<GraphOperation> it = bundle.graph().operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().startsWith("Variable")) {
          variables.add(op.name());
        }
      }
      assertEquals(List.of("bias", "dnn0_bias", "dnn0_kernel", "dnn1_bias", "dnn1_kernel", "embeddings", "linear",
          "output_bias", "output_kernel"), variables.stream().sorted().toList());
    }
  }

  @Test
  void printsProgress() {
    assertTrue(progress.contains("epoch 1/6: train loss"), progress);
    assertTrue(progress.contains("examples/s"), progress);
    assertTrue(progress.contains("test (epoch " + report.bestEpoch() + " weights): AUC"), progress);
    assertTrue(progress.contains("train: " + nullLabels.get("train") + " rows with a NULL label"), progress);
    assertFalse(progress.contains("NaN"), progress);
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
