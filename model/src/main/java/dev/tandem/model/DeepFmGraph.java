package dev.tandem.model;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * DeepFM's weights and forward pass, built the same way in the training graph and in the serving
 * graph, so both compute the same scores from the same weights.
 *
 * <p>All fields share one hashed embedding table: an id already names its field (the encoder
 * hashes {@code feature U+0001 value}), so one table needs no per-field vocabulary and keeps
 * memory fixed whatever the number of distinct values; the price is occasional collisions, which
 * a larger {@code tableSize} makes rarer. An id maps to row {@code floorMod(id, tableSize)}.
 *
 * <p>Variable names have no {@code /}: the framework's Adam names its slots after them.
 */
final class DeepFmGraph {
  private static final float EMBEDDING_STDDEV = 0.01f;

  private final Ops tf;
  private final Architecture architecture;
  private final List<String> names = new ArrayList<>();
  private final List<Variable<TFloat32>> variables = new ArrayList<>();
  private final List<Placeholder<TFloat32>> values = new ArrayList<>();
  private final List<Op> assigns = new ArrayList<>();
  private final Variable<TFloat32> embeddings;
  private final Variable<TFloat32> linear;
  private final Variable<TFloat32> bias;
  private final List<Variable<TFloat32>> kernels = new ArrayList<>();
  private final List<Variable<TFloat32>> biases = new ArrayList<>();

  /** One forward pass: logits, and the gathered table rows (where the sparse gradients start). */
  record Forward(Operand<TFloat32> logits, Output<TFloat32> embeddingRows, Output<TFloat32> linearRows,
      Operand<TInt64> rowIndices) {}

  /**
   * Builds the variables. With {@code seed} they are initialized in the graph (training: seeded
   * random embeddings and Glorot kernels, zero linear weights, the bias at {@code initialBias});
   * without, they start uninitialized and must be {@link #assign}ed (serving).
   */
  private DeepFmGraph(Ops tf, Architecture architecture, Long seed, float initialBias) {
    this.tf = tf;
    this.architecture = architecture;
    int fields = architecture.fields();
    int dim = architecture.embeddingDim();
    long table = architecture.tableSize();
    embeddings = variable("embeddings", Shape.of(table, dim), seed == null ? null
        : tf.math.mul(tf.random.truncatedNormal(tf.constant(new long[] {table, dim}), TFloat32.class,
            TruncatedNormal.seed(seed), TruncatedNormal.seed2(1L)), tf.constant(EMBEDDING_STDDEV)));
    linear = variable("linear", Shape.of(table), seed == null ? null
        : tf.fill(tf.constant(new long[] {table}), tf.constant(0f)));
    bias = variable("bias", Shape.scalar(), seed == null ? null : tf.constant(initialBias));
    int in = fields * dim;
    List<Integer> layers = new ArrayList<>(architecture.dnn());
    layers.add(1);
    for (int i = 0; i < layers.size(); i++) {
      int out = layers.get(i);
      String prefix = i == layers.size() - 1 ? "output" : "dnn" + i;
      kernels.add(variable(prefix + "_kernel", Shape.of(in, out), seed == null ? null : glorot(in, out, seed, 100L + i)));
      biases.add(variable(prefix + "_bias", Shape.of(out), seed == null ? null
          : tf.fill(tf.constant(new long[] {out}), tf.constant(0f))));
      in = out;
    }
  }

  /** The training graph's weights, initialized from {@code seed}. */
  static DeepFmGraph initialized(Ops tf, Architecture architecture, long seed, float initialBias) {
    return new DeepFmGraph(tf, architecture, seed, initialBias);
  }

  /** The serving graph's weights, to be {@link #assign}ed. */
  static DeepFmGraph assignable(Ops tf, Architecture architecture) {
    return new DeepFmGraph(tf, architecture, null, 0f);
  }

  private Variable<TFloat32> variable(String name, Shape shape, Operand<TFloat32> init) {
    Variable<TFloat32> v = init == null
        ? tf.withName(name).variable(shape, TFloat32.class)
        : tf.withName(name).variable(init);
    names.add(name);
    variables.add(v);
    Placeholder<TFloat32> value = tf.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
    values.add(value);
    assigns.add(tf.withName(name + "_assign").assign(v, value));
    return v;
  }

  private Operand<TFloat32> glorot(int in, int out, long seed, long seed2) {
    float limit = (float) Math.sqrt(6.0 / (in + out));
    Operand<TFloat32> unit = tf.random.randomUniform(tf.constant(new long[] {in, out}), TFloat32.class,
        RandomUniform.seed(seed), RandomUniform.seed2(seed2));
    return tf.math.sub(tf.math.mul(unit, tf.constant(2 * limit)), tf.constant(limit));
  }

  /**
   * The logits of a batch of ids {@code [batch, fields]}. With {@code dropout > 0} the hidden
   * layers drop units (training); with 0 the pass is the one serving uses.
   */
  Forward forward(Operand<TInt64> ids, float dropout, long seed) {
    int fields = architecture.fields();
    int dim = architecture.embeddingDim();
    Operand<TInt64> rowIndices = tf.reshape(tf.math.floorMod(ids, tf.constant((long) architecture.tableSize())),
        tf.constant(new long[] {-1}));
    Output<TFloat32> embeddingRows = tf.gather(embeddings, rowIndices, tf.constant(0)).output();
    Output<TFloat32> linearRows = tf.gather(linear, rowIndices, tf.constant(0)).output();

    Operand<TFloat32> firstOrder = tf.reduceSum(tf.reshape(linearRows, tf.constant(new long[] {-1, fields})),
        tf.constant(1));
    // FM second order: 0.5 * sum_k ((sum_f e_fk)^2 - sum_f e_fk^2), the pairwise dot products in O(F K).
    Operand<TFloat32> fieldVectors = tf.reshape(embeddingRows, tf.constant(new long[] {-1, fields, dim}));
    Operand<TFloat32> sumSquared = tf.math.square(tf.reduceSum(fieldVectors, tf.constant(1)));
    Operand<TFloat32> squaredSum = tf.reduceSum(tf.math.square(fieldVectors), tf.constant(1));
    Operand<TFloat32> secondOrder = tf.math.mul(tf.constant(0.5f),
        tf.reduceSum(tf.math.sub(sumSquared, squaredSum), tf.constant(1)));

    Operand<TFloat32> hidden = tf.reshape(embeddingRows, tf.constant(new long[] {-1, fields * dim}));
    for (int i = 0; i < kernels.size(); i++) {
      hidden = tf.nn.biasAdd(tf.linalg.matMul(hidden, kernels.get(i)), biases.get(i));
      if (i < kernels.size() - 1) {
        hidden = tf.nn.relu(hidden);
        if (dropout > 0) {
          hidden = dropout(hidden, dropout, seed, i);
        }
      }
    }
    Operand<TFloat32> deep = tf.reshape(hidden, tf.constant(new long[] {-1}));
    Operand<TFloat32> logits = tf.math.add(tf.math.add(tf.math.add(firstOrder, secondOrder), deep), bias);
    return new Forward(logits, embeddingRows, linearRows, rowIndices);
  }

  /** Inverted dropout: keeps each unit with probability 1 - rate and scales it by 1 / (1 - rate). */
  private Operand<TFloat32> dropout(Operand<TFloat32> x, float rate, long seed, int layer) {
    Operand<TFloat32> uniform = tf.random.randomUniform(tf.shape(x), TFloat32.class,
        RandomUniform.seed(seed), RandomUniform.seed2(1000L + layer));
    Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant(rate)), TFloat32.class);
    return tf.math.mul(x, tf.math.mul(keep, tf.constant(1f / (1f - rate))));
  }

  Variable<TFloat32> embeddings() {
    return embeddings;
  }

  Variable<TFloat32> linear() {
    return linear;
  }

  /** The dense weights (bias, kernels, layer biases): Adam updates these. */
  List<Variable<TFloat32>> denseVariables() {
    List<Variable<TFloat32>> dense = new ArrayList<>();
    dense.add(bias);
    dense.addAll(kernels);
    dense.addAll(biases);
    return dense;
  }

  /** The current weights (every variable, in creation order: what {@link #assign} takes). */
  Weights fetch(Session session) {
    Session.Runner runner = session.runner();
    variables.forEach(runner::fetch);
    List<TFloat32> tensors = new ArrayList<>();
    try (org.tensorflow.Result result = runner.run()) {
      for (int i = 0; i < variables.size(); i++) {
        // The Result closes its tensors: keep copies.
        TFloat32 t = (TFloat32) result.get(i);
        tensors.add(TFloat32.tensorOf(t.shape(), copy -> t.copyTo(copy)));
      }
    }
    return new Weights(names, tensors);
  }

  /** Sets every weight from {@code weights} (same architecture). */
  void assign(Session session, Weights weights) {
    Session.Runner runner = session.runner();
    for (int i = 0; i < variables.size(); i++) {
      runner.feed(values.get(i), weights.tensors().get(i));
      runner.addTarget(assigns.get(i));
    }
    runner.run().close();
  }
}
