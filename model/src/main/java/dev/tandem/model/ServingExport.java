package dev.tandem.model;

import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Writes a SavedModel for serving only: a fresh graph holding the weights and the forward pass
 * (no dropout, no optimizer slots), with the trained weights copied in.
 */
final class ServingExport {
  static final String SIGNATURE = "serving_default";
  static final String INPUT = "feature_ids";
  static final String OUTPUT = "score";

  private ServingExport() {}

  /** Exports into {@code dir} (an existing empty folder). */
  static void export(Architecture architecture, Weights weights, Path dir) throws IOException {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      DeepFmGraph model = DeepFmGraph.assignable(tf, architecture);
      Placeholder<TInt64> ids = tf.withName(INPUT)
          .placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, architecture.fields())));
      Operand<TFloat32> score = tf.withName(OUTPUT)
          .reshape(tf.math.sigmoid(model.forward(ids, 0f, 0L).logits()), tf.constant(new long[] {-1, 1}));
      try (Session session = new Session(graph)) {
        model.assign(session, weights);
        SavedModelBundle.exporter(dir.toString())
            .withSession(session)
            .withSignature(Signature.builder().key(SIGNATURE).methodName("tensorflow/serving/predict")
                .input(INPUT, ids).output(OUTPUT, score).build())
            .export();
      }
    }
  }
}
