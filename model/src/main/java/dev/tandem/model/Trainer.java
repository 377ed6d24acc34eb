package dev.tandem.model;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Trains a DeepFM on a training set written by {@code tandem training-set} and writes the model
 * folder:
 * <ul>
 *   <li>{@code saved_model.pb}, {@code variables/}: the SavedModel for serving, signature
 *       {@code serving_default}: {@code feature_ids} int64 [-1, inputs] to {@code score} float [-1, 1];
 *   <li>{@code tandem-model.json}: the spec it was trained for, its inputs, shape and figures ({@link ModelMetadata});
 *   <li>{@code metrics.json}: options, row counts and the figures of every epoch and of the test split;
 *   <li>{@code training.png}: training loss and validation AUC per epoch.
 * </ul>
 *
 * <pre>{@code
 * TrainingReport report = Trainer.train(TrainOptions.builder(Path.of("out/ts"), Path.of("out/model")).epochs(5).build(), System.out);
 * }</pre>
 *
 * Each epoch reads the training split as a stream, shuffled through a buffer (seeded), then
 * scores the validation split. Training stops after {@code patience} epochs without a better
 * validation AUC (lower log loss when the validation split has one class only), and the best
 * epoch's weights are the ones tested and exported. The folder appears only when complete.
 */
public final class Trainer {
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int EVALUATION_BATCH = 4096;
  private static final int BOOTSTRAP_RESAMPLES = 1000;

  private Trainer() {}

  /**
   * Trains and writes the model folder; progress lines go to {@code out}.
   *
   * @throws ModelException the training set is missing, empty or malformed, or the model folder exists
   */
  public static TrainingReport train(TrainOptions options, PrintStream out) throws ModelException, IOException {
    ModelFolder.checkTarget(options.modelDir());
    TrainingSet set = TrainingSet.open(options.trainingSet());
    TrainingSet.Split train = set.split("train");
    TrainingSet.Split validation = set.split("validation");
    TrainingSet.Split test = set.split("test");
    out.printf(Locale.ROOT, "training set %s (spec %s): %d inputs; train %,d rows (%,d positive), validation %,d (%,d),"
            + " test %,d (%,d)%n", set.dir(), set.specName(), set.width(), train.rows(), train.positives(),
        validation.rows(), validation.positives(), test.rows(), test.positives());
    out.printf(Locale.ROOT, "DeepFM: table %,d x %d, dnn %s, dropout %.2f; batch %d, Adam %g (dense), Adagrad %g"
            + " (tables); up to %d epochs, patience %d%n", options.tableSize(), options.embeddingDim(), options.dnn(),
        options.dropout(), options.batchSize(), options.learningRate(), options.embeddingLearningRate(),
        options.epochs(), options.patience());

    Architecture architecture =
        new Architecture(set.width(), options.tableSize(), options.embeddingDim(), options.dnn());
    // Starting the bias at the base rate's logit saves the first steps from learning it.
    double rate = Math.min(Math.max((double) train.positives() / train.rows(), 1e-4), 1 - 1e-4);
    float initialBias = (float) Math.log(rate / (1 - rate));
    SplittableRandom random = new SplittableRandom(options.seed());
    List<TrainingReport.Epoch> epochs = new ArrayList<>();
    Map<String, Long> nullLabels = new LinkedHashMap<>();
    int bestEpoch = 0;
    double bestKey = Double.NEGATIVE_INFINITY;
    boolean stoppedEarly = false;
    Weights best = null;
    try (DeepFm model = new DeepFm(architecture, options.learningRate(), options.embeddingLearningRate(),
        options.dropout(), options.seed(), initialBias)) {
      Progress progress = new Progress(out, options, train.rows());
      for (int epoch = 1; epoch <= options.epochs(); epoch++) {
        progress.startEpoch(epoch);
        List<TrainingSet.Part> parts = new ArrayList<>(train.parts());
        shuffle(parts, random);
        try {
          nullLabels.put("train", Prefetcher.run(sink -> {
            Batcher batcher = new Batcher(set.width(), options.batchSize(), options.shuffleBuffer(), random, sink);
            long nulls = set.read(parts, batcher);
            batcher.finish();
            return nulls;
          }, batch -> progress.step(batch.rows(), model.train(batch))));
        } catch (Diverged e) {
          throw new ModelException(e.getMessage(), e);
        }
        double seconds = progress.elapsedSeconds();
        Scored scored = score(model, set, validation);
        nullLabels.put("validation", scored.nullLabels());
        double auc = Metrics.auc(scored.scores(), scored.labels());
        double logLoss = Metrics.logLoss(scored.scores(), scored.labels());
        epochs.add(new TrainingReport.Epoch(epoch, progress.meanLoss(), auc, logLoss, progress.rows() / seconds, seconds));
        double key = Double.isNaN(auc) ? -logLoss : auc;
        boolean better = key > bestKey;
        if (better) {
          if (best != null) {
            best.close();
          }
          best = model.weights();
          bestKey = key;
          bestEpoch = epoch;
        }
        out.printf(Locale.ROOT, "epoch %d/%d: train loss %.5f, validation AUC %.4f logloss %.5f%s, %,.0f examples/s,"
                + " %.1f s%n", epoch, options.epochs(), progress.meanLoss(), auc, logLoss, better ? " (best)" : "",
            progress.rows() / seconds, seconds);
        if (epoch - bestEpoch >= options.patience() && epoch < options.epochs()) {
          stoppedEarly = true;
          out.printf(Locale.ROOT, "no better validation AUC for %d epochs: stopping, keeping epoch %d%n",
              options.patience(), bestEpoch);
          break;
        }
      }
      model.restore(best);
      Scored scored = score(model, set, test);
      nullLabels.put("test", scored.nullLabels());
      TrainingReport.Split testFigures = new TrainingReport.Split(test.rows(), test.positives(), scored.nullLabels(),
          Metrics.auc(scored.scores(), scored.labels()), Metrics.logLoss(scored.scores(), scored.labels()),
          Metrics.bootstrapAuc(scored.scores(), scored.labels(), BOOTSTRAP_RESAMPLES, options.seed()));
      out.printf(Locale.ROOT, "test (epoch %d weights): AUC %.4f (95%% bootstrap %.4f to %.4f), logloss %.5f,"
              + " %,d rows, %,d positive%n", bestEpoch, testFigures.auc(), testFigures.aucInterval().low(),
          testFigures.aucInterval().high(), testFigures.logLoss(), test.rows(), test.positives());
      nullLabels.forEach((split, count) -> {
        if (count > 0) {
          out.printf(Locale.ROOT, "%s: %,d rows with a NULL label, counted as negatives%n", split, count);
        }
      });

      TrainingReport report = new TrainingReport(options.modelDir(), epochs, bestEpoch, stoppedEarly, testFigures);
      writeModelFolder(options, set, architecture, best, report, nullLabels, out);
      out.println("model written to " + options.modelDir());
      return report;
    } finally {
      if (best != null) {
        best.close();
      }
    }
  }

  private static void writeModelFolder(TrainOptions options, TrainingSet set, Architecture architecture, Weights weights,
      TrainingReport report, Map<String, Long> nullLabels, PrintStream out) throws ModelException, IOException {
    ModelMetadata metadata = new ModelMetadata(set.specName(), set.specSha256(), set.hashSeed(), set.inputs(),
        options.tableSize(), options.embeddingDim(), options.dnn(),
        new ModelMetadata.Evaluation(report.bestEpoch(), report.best().validationAuc(),
            report.best().validationLogLoss(), report.test().auc(), report.test().logLoss(),
            report.test().aucInterval()));
    ModelFolder.write(options.modelDir(), dir -> {
      ServingExport.export(architecture, weights, dir);
      metadata.write(dir);
      ModelMetrics.of(options, set, report, nullLabels).write(dir);
      try {
        TrainingPlot.write(dir.resolve("training.png"),
            "DeepFM on " + set.specName() + ": training loss and validation AUC", report.epochs(), report.bestEpoch());
      } catch (IOException | RuntimeException | Error e) { // e.g. a headless JVM without fonts: the model matters more
        out.println("warning: training.png not written: " + e);
      }
    });
  }

  /** Scores and labels of a split, in file order. */
  private record Scored(float[] scores, int[] labels, long nullLabels) {}

  private static Scored score(DeepFm model, TrainingSet set, TrainingSet.Split split) throws ModelException, IOException {
    float[] scores = new float[Math.toIntExact(split.rows())];
    int[] labels = new int[scores.length];
    int[] filled = {0};
    long nullLabels = Prefetcher.run(sink -> {
      Batcher batcher = new Batcher(set.width(), EVALUATION_BATCH, 0, null, sink);
      long nulls = set.read(split.parts(), batcher);
      batcher.finish();
      return nulls;
    }, batch -> {
      float[] batchScores = model.score(batch.ids(), batch.rows());
      System.arraycopy(batchScores, 0, scores, filled[0], batch.rows());
      for (int i = 0; i < batch.rows(); i++) {
        labels[filled[0] + i] = (int) batch.labels()[i];
      }
      filled[0] += batch.rows();
    });
    return new Scored(scores, labels, nullLabels);
  }

  private static <T> void shuffle(List<T> list, SplittableRandom random) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      list.set(i, list.set(j, list.get(i)));
    }
  }

  /** A non-finite training loss, thrown from inside the batch consumer. */
  private static final class Diverged extends RuntimeException {
    Diverged(String message) {
      super(message);
    }
  }

  /** Counts steps and rows of the current epoch and prints a line every 10 s. */
  private static final class Progress {
    private final PrintStream out;
    private final int epochs;
    private final long stepsPerEpoch;
    private int epoch;
    private long epochStart;
    private long lastPrint;
    private long steps;
    private long rows;
    private double lossSum;

    Progress(PrintStream out, TrainOptions options, long trainRows) {
      this.out = out;
      this.epochs = options.epochs();
      this.stepsPerEpoch = (trainRows + options.batchSize() - 1) / options.batchSize();
    }

    void startEpoch(int epoch) {
      this.epoch = epoch;
      epochStart = System.nanoTime();
      lastPrint = epochStart;
      steps = 0;
      rows = 0;
      lossSum = 0;
    }

    void step(int batchRows, float loss) {
      if (!Float.isFinite(loss)) {
        throw new Diverged("training diverged at epoch " + epoch + " step " + (steps + 1) + " (loss " + loss
            + "); lower --lr or --embedding-lr");
      }
      steps++;
      rows += batchRows;
      lossSum += (double) loss * batchRows;
      long now = System.nanoTime();
      if (now - lastPrint >= PROGRESS_EVERY_NANOS) {
        lastPrint = now;
        double stepsPerSecond = steps / elapsedSeconds();
        long remaining = (epochs - epoch) * stepsPerEpoch + Math.max(0, stepsPerEpoch - steps);
        long eta = Math.round(remaining / stepsPerSecond);
        out.printf(Locale.ROOT, "epoch %d/%d step %,d/%,d: loss %.5f, %,.0f examples/s, ETA %d:%02d:%02d (if no early stop)%n",
            epoch, epochs, steps, stepsPerEpoch, meanLoss(), rows / elapsedSeconds(), eta / 3600, eta / 60 % 60, eta % 60);
      }
    }

    double elapsedSeconds() {
      return (System.nanoTime() - epochStart) / 1e9;
    }

    long rows() {
      return rows;
    }

    double meanLoss() {
      return lossSum / rows;
    }
  }
}
