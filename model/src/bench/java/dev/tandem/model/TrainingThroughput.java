package dev.tandem.model;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Training throughput (examples/s) at batch 1024 for two hashed table sizes 10x apart, on a
 * synthetic training set shaped like JD's (33 inputs, many distinct ids). With sparse updates
 * the two should be close: a step touches only the batch's rows whatever the table size.
 * The model has the default options (embedding 16, DNN 400,400,400). Argument: [train rows (200000)].
 */
public final class TrainingThroughput {
  private TrainingThroughput() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0]) : 200_000;
    List<Integer> dnn = TrainOptions.DEFAULT_DNN;
    Path tmp = Files.createTempDirectory("tandem-throughput");
    Path trainingSet = tmp.resolve("ts");
    new SyntheticTrainingSet().fields(33).vocabulary(20_000)
        .rows("train", rows).rows("validation", 2_000).rows("test", 2_000).write(trainingSet);
    System.out.printf(Locale.ROOT, "training set: %,d rows x 33 ids, 20,000 values per field; batch 1024, dnn %s, 2 epochs%n",
        rows, dnn);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    for (int tableSize : new int[] {200_000, 2_000_000}) {
      TrainingReport report = Trainer.train(TrainOptions.builder(trainingSet, tmp.resolve("model-" + tableSize))
          .epochs(2).patience(2).batchSize(1024).tableSize(tableSize).dnn(dnn).build(), quiet);
      for (TrainingReport.Epoch e : report.epochs()) {
        System.out.printf(Locale.ROOT, "table %,9d rows: epoch %d %,8.0f examples/s (%.1f s)%n", tableSize, e.epoch(),
            e.examplesPerSecond(), e.seconds());
      }
    }
    TrainerTest.deleteRecursively(tmp);
  }
}
