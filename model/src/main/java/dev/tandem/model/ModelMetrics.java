package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a model folder's {@value #FILE} says: the options of the run, the rows, positives and NULL
 * labels of each split, every epoch's figures, the kept epoch, and the test split's figures. One
 * record per JSON object of the file, read and written by {@link JsonFiles}; a figure that is not
 * defined (an AUC without positives) is NaN, {@code null} in the file.
 */
public record ModelMetrics(
    @JsonProperty("spec") SpecRef spec,
    @JsonProperty("training_set") String trainingSet,
    @JsonProperty("options") Options options,
    @JsonProperty("splits") Splits<SplitCounts> splits,
    @JsonProperty("epochs") List<TrainingReport.Epoch> epochs,
    @JsonProperty("best_epoch") int bestEpoch,
    @JsonProperty("stopped_early") boolean stoppedEarly,
    @JsonProperty("test") Test test) {

  public static final String FILE = "metrics.json";

  public ModelMetrics {
    epochs = List.copyOf(epochs);
  }

  /** The training options ({@link TrainOptions} without its two folders). */
  public record Options(
      @JsonProperty("epochs") int epochs,
      @JsonProperty("batch_size") int batchSize,
      @JsonProperty("learning_rate") float learningRate,
      @JsonProperty("embedding_learning_rate") float embeddingLearningRate,
      @JsonProperty("embedding_dim") int embeddingDim,
      @JsonProperty("dnn") List<Integer> dnn,
      @JsonProperty("dropout") float dropout,
      @JsonProperty("table_size") int tableSize,
      @JsonProperty("seed") long seed,
      @JsonProperty("patience") int patience,
      @JsonProperty("shuffle_buffer") int shuffleBuffer) {

    public Options {
      dnn = List.copyOf(dnn);
    }

    static Options of(TrainOptions o) {
      return new Options(o.epochs(), o.batchSize(), o.learningRate(), o.embeddingLearningRate(), o.embeddingDim(),
          o.dnn(), o.dropout(), o.tableSize(), o.seed(), o.patience(), o.shuffleBuffer());
    }
  }

  /** A split's rows and positives (as the training set states them) and the rows read with a NULL label (counted as 0). */
  public record SplitCounts(@JsonProperty("rows") long rows, @JsonProperty("positives") long positives,
      @JsonProperty("null_labels") long nullLabels) {}

  /** The test split scored by the kept weights. */
  public record Test(
      @JsonProperty("rows") long rows,
      @JsonProperty("positives") long positives,
      @JsonProperty("auc") double auc,
      @JsonProperty("logloss") double logLoss,
      @JsonProperty("auc_95") Metrics.Interval aucInterval) {}

  static ModelMetrics of(TrainOptions options, TrainingSet set, TrainingReport report, Map<String, Long> nullLabels) {
    List<SplitCounts> counts = Splits.NAMES.stream().map(name -> new SplitCounts(set.split(name).rows(),
        set.split(name).positives(), nullLabels.getOrDefault(name, 0L))).toList();
    TrainingReport.Split test = report.test();
    return new ModelMetrics(new SpecRef(set.specName(), set.specSha256()), set.dir().toAbsolutePath().toString(),
        Options.of(options), new Splits<>(counts.get(0), counts.get(1), counts.get(2)), report.epochs(),
        report.bestEpoch(), report.stoppedEarly(),
        new Test(test.rows(), test.positives(), test.auc(), test.logLoss(), test.aucInterval()));
  }

  /** Reads {@code modelDir/metrics.json}; a missing file, bad JSON or a bad field is a {@link ModelException} naming the file and field. */
  public static ModelMetrics read(Path modelDir) throws ModelException, IOException {
    return JsonFiles.read(modelDir.resolve(FILE), ModelMetrics.class);
  }

  /** Writes {@code dir/metrics.json}. */
  void write(Path dir) throws IOException {
    JsonFiles.write(dir.resolve(FILE), this);
  }
}
