package dev.tandem.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to train: where the training set is, where the model goes, and the hyperparameters.
 * Build with {@link #builder}; every option but the two folders has a default.
 *
 * @param trainingSet a folder written by {@code tandem training-set}
 * @param modelDir the model folder to create; it must not exist, or be empty
 * @param epochs at most this many passes over the training split
 * @param batchSize rows per step
 * @param learningRate Adam's learning rate, for the dense layers and the bias
 * @param embeddingLearningRate Adagrad's learning rate, for the hashed tables (embeddings and first-order weights)
 * @param embeddingDim the width of an embedding
 * @param dnn the widths of the hidden layers (none: FM only, plus one linear layer over the embeddings)
 * @param dropout the fraction of hidden units dropped while training, in [0, 1)
 * @param tableSize the rows of the shared hashed table; ids map to {@code floorMod(id, tableSize)}
 * @param seed seeds the initial weights, dropout and shuffling
 * @param patience stop after this many epochs without a better validation AUC (the best epoch's weights are kept)
 * @param shuffleBuffer rows held for shuffling; a training split smaller than this is fully shuffled every epoch
 */
public record TrainOptions(Path trainingSet, Path modelDir, int epochs, int batchSize, float learningRate,
    float embeddingLearningRate, int embeddingDim, List<Integer> dnn, float dropout, int tableSize, long seed,
    int patience, int shuffleBuffer) {

  public static final int DEFAULT_EPOCHS = 10;
  public static final int DEFAULT_BATCH_SIZE = 1024;
  public static final float DEFAULT_LEARNING_RATE = 0.001f;
  public static final float DEFAULT_EMBEDDING_LEARNING_RATE = 0.05f;
  public static final int DEFAULT_EMBEDDING_DIM = 16;
  public static final List<Integer> DEFAULT_DNN = List.of(400, 400, 400);
  public static final float DEFAULT_DROPOUT = 0.2f;
  public static final int DEFAULT_TABLE_SIZE = 200_000;
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_PATIENCE = 2;
  public static final int DEFAULT_SHUFFLE_BUFFER = 100_000;

  public TrainOptions {
    Objects.requireNonNull(trainingSet, "trainingSet");
    Objects.requireNonNull(modelDir, "modelDir");
    dnn = List.copyOf(dnn);
    positive("epochs", epochs);
    positive("batch size", batchSize);
    positive("embedding dim", embeddingDim);
    positive("table size", tableSize);
    positive("patience", patience);
    positive("shuffle buffer", shuffleBuffer);
    if (!(learningRate > 0) || !(embeddingLearningRate > 0)) {
      throw new IllegalArgumentException("learning rates must be > 0, got " + learningRate + " and " + embeddingLearningRate);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    dnn.forEach(width -> positive("dnn layer width", width));
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  public static Builder builder(Path trainingSet, Path modelDir) {
    return new Builder(trainingSet, modelDir);
  }

  /** Options with defaults; each setter replaces one. */
  public static final class Builder {
    private final Path trainingSet;
    private final Path modelDir;
    private int epochs = DEFAULT_EPOCHS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private float learningRate = DEFAULT_LEARNING_RATE;
    private float embeddingLearningRate = DEFAULT_EMBEDDING_LEARNING_RATE;
    private int embeddingDim = DEFAULT_EMBEDDING_DIM;
    private List<Integer> dnn = DEFAULT_DNN;
    private float dropout = DEFAULT_DROPOUT;
    private int tableSize = DEFAULT_TABLE_SIZE;
    private long seed = DEFAULT_SEED;
    private int patience = DEFAULT_PATIENCE;
    private int shuffleBuffer = DEFAULT_SHUFFLE_BUFFER;

    private Builder(Path trainingSet, Path modelDir) {
      this.trainingSet = trainingSet;
      this.modelDir = modelDir;
    }

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder learningRate(float learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder embeddingLearningRate(float embeddingLearningRate) {
      this.embeddingLearningRate = embeddingLearningRate;
      return this;
    }

    public Builder embeddingDim(int embeddingDim) {
      this.embeddingDim = embeddingDim;
      return this;
    }

    public Builder dnn(List<Integer> dnn) {
      this.dnn = dnn;
      return this;
    }

    public Builder dropout(float dropout) {
      this.dropout = dropout;
      return this;
    }

    public Builder tableSize(int tableSize) {
      this.tableSize = tableSize;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder patience(int patience) {
      this.patience = patience;
      return this;
    }

    public Builder shuffleBuffer(int shuffleBuffer) {
      this.shuffleBuffer = shuffleBuffer;
      return this;
    }

    public TrainOptions build() {
      return new TrainOptions(trainingSet, modelDir, epochs, batchSize, learningRate, embeddingLearningRate,
          embeddingDim, dnn, dropout, tableSize, seed, patience, shuffleBuffer);
    }
  }
}
