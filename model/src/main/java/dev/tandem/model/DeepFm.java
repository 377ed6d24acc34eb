package dev.tandem.model;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Unique;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A DeepFM being trained: the training graph, its session, one step per batch, and an inference
 * head (no dropout) over the same weights for evaluation.
 *
 * <p>The two tables (embeddings, first-order weights) get sparse Adagrad updates: the gradient
 * is taken with respect to the gathered rows, summed per distinct row ({@code unique} +
 * {@code unsortedSegmentSum}) and applied to those rows only, so a step costs the same whatever
 * the table size. A dense optimizer would rewrite the whole table (and its slots) every step.
 * The dense layers use Adam.
 */
final class DeepFm implements AutoCloseable {
  private static final float ADAGRAD_INITIAL_ACCUMULATOR = 0.1f;
  private static final float ADAGRAD_EPSILON = 1e-7f;

  private final Architecture architecture;
  private final Graph graph;
  private final Session session;
  private final DeepFmGraph weights;
  private final Placeholder<TInt64> trainIds;
  private final Placeholder<TFloat32> trainLabels;
  private final Operand<TFloat32> loss;
  private final List<Op> updates = new ArrayList<>();
  private final Placeholder<TInt64> scoreIds;
  private final Operand<TFloat32> scores;

  DeepFm(Architecture architecture, float learningRate, float embeddingLearningRate, float dropout, long seed,
      float initialBias) {
    this.architecture = architecture;
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      weights = DeepFmGraph.initialized(tf, architecture, seed, initialBias);
      Shape idsShape = Shape.of(-1, architecture.fields());
      trainIds = tf.withName("train_ids").placeholder(TInt64.class, Placeholder.shape(idsShape));
      trainLabels = tf.withName("train_labels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      DeepFmGraph.Forward forward = weights.forward(trainIds, dropout, seed);
      loss = logLoss(tf, forward.logits(), trainLabels);

      List<Variable<TFloat32>> dense = weights.denseVariables();
      Output<?>[] wrt = new Output<?>[2 + dense.size()];
      wrt[0] = forward.embeddingRows();
      wrt[1] = forward.linearRows();
      for (int i = 0; i < dense.size(); i++) {
        wrt[2 + i] = dense.get(i).asOutput();
      }
      Output<?>[] gradients = graph.addGradients(loss.asOutput(), wrt);

      Unique<TInt64, TInt32> rows = tf.unique(forward.rowIndices(), tf.constant(new int[] {0}));
      Operand<TInt32> distinct = tf.size(rows.y());
      updates.add(sparseAdagrad(tf, weights.embeddings(), rows, distinct, float32(gradients[0]), embeddingLearningRate));
      updates.add(sparseAdagrad(tf, weights.linear(), rows, distinct, float32(gradients[1]), embeddingLearningRate));

      List<GradAndVar<?>> denseGradients = new ArrayList<>();
      for (int i = 0; i < dense.size(); i++) {
        denseGradients.add(new GradAndVar<>(float32(gradients[2 + i]), dense.get(i).asOutput()));
      }
      updates.add(new Adam(graph, learningRate).applyGradients(denseGradients, "adam"));

      scoreIds = tf.withName("score_ids").placeholder(TInt64.class, Placeholder.shape(idsShape));
      scores = tf.math.sigmoid(weights.forward(scoreIds, 0f, seed).logits());
      session = new Session(graph);
      try {
        session.initialize();
      } catch (RuntimeException e) {
        session.close(); // Graph.close() waits for the graph's open sessions: close this one first
        throw e;
      }
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private static Output<TFloat32> float32(Output<?> output) {
    return (Output<TFloat32>) output;
  }

  /** Mean of the numerically stable sigmoid cross-entropy: max(x, 0) - x z + log(1 + exp(-|x|)). */
  private static Operand<TFloat32> logLoss(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> labels) {
    Operand<TFloat32> perRow = tf.math.add(
        tf.math.sub(tf.math.maximum(logits, tf.constant(0f)), tf.math.mul(logits, labels)),
        tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
    return tf.math.mean(perRow, tf.constant(0));
  }

  private Op sparseAdagrad(Ops tf, Variable<TFloat32> table, Unique<TInt64, TInt32> rows, Operand<TInt32> distinct,
      Output<TFloat32> rowGradients, float learningRate) {
    long[] shape = table.shape().asArray();
    Variable<TFloat32> accumulator = tf.withName(table.op().name() + "_accumulator")
        .variable(tf.fill(tf.constant(shape), tf.constant(ADAGRAD_INITIAL_ACCUMULATOR)));
    Operand<TFloat32> gradient = tf.math.unsortedSegmentSum(rowGradients, rows.idx(), distinct);
    return tf.train.sparseApplyAdagrad(table, accumulator, tf.constant(learningRate), tf.constant(ADAGRAD_EPSILON),
        gradient, rows.y());
  }

  /** One optimizer step on a batch; returns the batch's mean log loss before the step. */
  float train(Batch batch) {
    try (TInt64 ids = ids(batch.ids(), batch.rows());
         TFloat32 labels = TFloat32.tensorOf(Shape.of(batch.rows()), DataBuffers.of(batch.labels(), true, false))) {
      Session.Runner runner = session.runner().feed(trainIds, ids).feed(trainLabels, labels).fetch(loss);
      updates.forEach(runner::addTarget);
      try (Result result = runner.run()) {
        return ((TFloat32) result.get(0)).getFloat();
      }
    }
  }

  /** Scores (probabilities) of {@code rows} rows of ids, flattened row by row, without dropout. */
  float[] score(long[] ids, int rows) {
    try (TInt64 input = ids(ids, rows);
         Result result = session.runner().feed(scoreIds, input).fetch(scores).run()) {
      float[] out = new float[rows];
      ((TFloat32) result.get(0)).asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  private TInt64 ids(long[] ids, int rows) {
    return TInt64.tensorOf(Shape.of(rows, architecture.fields()), DataBuffers.of(ids, true, false));
  }

  /** A copy of the current weights. */
  Weights weights() {
    return weights.fetch(session);
  }

  /** Sets the weights (e.g. back to the best epoch's); optimizer state is left as is. */
  void restore(Weights snapshot) {
    weights.assign(session, snapshot);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
