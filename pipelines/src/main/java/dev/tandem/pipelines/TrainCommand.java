package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;
import static dev.tandem.pipelines.TandemCli.OK;

import dev.tandem.model.ModelException;
import dev.tandem.model.TrainOptions;
import dev.tandem.model.Trainer;
import dev.tandem.model.TrainingReport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, description = "Trains a DeepFM on a training set (the output of "
    + "training-set) and writes a serving SavedModel, tandem-model.json, metrics.json and training.png to --out.")
final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--train", required = true, paramLabel = "DIR", description = "a training set folder (metadata.json, train/, validation/, test/)")
  Path trainingSet;

  @Option(names = "--out", required = true, paramLabel = "MODEL_DIR", description = "the model folder to create (must not exist or be empty)")
  Path modelDir;

  @Option(names = "--epochs", paramLabel = "N", description = "most passes over the train split (default " + TrainOptions.DEFAULT_EPOCHS + ")")
  Integer epochs;

  @Option(names = "--batch-size", paramLabel = "N", description = "examples per step (default " + TrainOptions.DEFAULT_BATCH_SIZE + ")")
  Integer batchSize;

  @Option(names = "--lr", paramLabel = "X", description = "Adam learning rate of the dense layers (default " + TrainOptions.DEFAULT_LEARNING_RATE + ")")
  Float learningRate;

  @Option(names = "--embedding-lr", paramLabel = "X",
      description = "Adagrad learning rate of the embedding tables (default " + TrainOptions.DEFAULT_EMBEDDING_LEARNING_RATE + ")")
  Float embeddingLearningRate;

  @Option(names = "--embedding-dim", paramLabel = "N", description = "embedding width (default " + TrainOptions.DEFAULT_EMBEDDING_DIM + ")")
  Integer embeddingDim;

  @Option(names = "--dnn", paramLabel = "W,W,...", split = ",", description = "DNN layer widths (default 400,400,400)")
  List<Integer> dnn;

  @Option(names = "--dropout", paramLabel = "X", description = "DNN dropout rate (default " + TrainOptions.DEFAULT_DROPOUT + ")")
  Float dropout;

  @Option(names = "--table-size", paramLabel = "N",
      description = "rows of the shared hashed embedding table (default " + TrainOptions.DEFAULT_TABLE_SIZE + ")")
  Integer tableSize;

  @Option(names = "--seed", paramLabel = "N", description = "seed of weights, dropout and shuffling (default " + TrainOptions.DEFAULT_SEED + ")")
  Long seed;

  @Option(names = "--patience", paramLabel = "N",
      description = "stop after N epochs without a better validation AUC (default " + TrainOptions.DEFAULT_PATIENCE + ")")
  Integer patience;

  @Option(names = "--truth", paramLabel = "DIR",
      description = "a generator's _truth folder: also report the true-probability AUC of the test split, the best any model can do")
  Path truth;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    TrainOptions options;
    try {
      TrainOptions.Builder b = TrainOptions.builder(trainingSet, modelDir);
      if (epochs != null) b.epochs(epochs);
      if (batchSize != null) b.batchSize(batchSize);
      if (learningRate != null) b.learningRate(learningRate);
      if (embeddingLearningRate != null) b.embeddingLearningRate(embeddingLearningRate);
      if (embeddingDim != null) b.embeddingDim(embeddingDim);
      if (dnn != null) b.dnn(dnn);
      if (dropout != null) b.dropout(dropout);
      if (tableSize != null) b.tableSize(tableSize);
      if (seed != null) b.seed(seed);
      if (patience != null) b.patience(patience);
      options = b.build();
    } catch (IllegalArgumentException e) {
      err.println("bad option: " + e.getMessage());
      return BAD_INPUT;
    }
    TrainingReport report;
    try {
      report = Trainer.train(options, printStream(out));
    } catch (ModelException e) {
      err.println("training error: " + e.getMessage());
      return BAD_INPUT;
    }
    TrainingReport.Split test = report.test();
    out.printf(Locale.ROOT, "model -> %s: kept epoch %d (validation AUC %.4f); test AUC %.4f, logloss %.5f (%,d rows, %,d positive)%n",
        modelDir, report.bestEpoch(), report.best().validationAuc(), test.auc(), test.logLoss(), test.rows(), test.positives());
    if (truth != null) {
      try {
        double trueAuc = TruthCheck.testSplitAuc(trainingSet, truth);
        out.printf(Locale.ROOT, "test split: true-probability AUC %.4f, model AUC %.4f, gap %.4f%n", trueAuc, test.auc(),
            trueAuc - test.auc());
      } catch (IllegalArgumentException | IOException e) {
        err.println("truth error: " + e.getMessage());
        return BAD_INPUT;
      }
    }
    return OK;
  }

  /** The trainer prints to a PrintStream; the CLI writes to a PrintWriter (captured in tests). */
  private static PrintStream printStream(PrintWriter writer) {
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        writer.write(new String(b, off, len, StandardCharsets.UTF_8));
        writer.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }
}
