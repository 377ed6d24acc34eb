package dev.tandem.model;

import dev.tandem.spec.FeatureSpec;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Scores rows of model ids with an exported model folder; used by the server and by batch scoring.
 *
 * <pre>{@code
 * try (Scorer scorer = Scorer.load(Path.of("out/model"), spec)) {   // refuses a model of another spec
 *   float[] scores = scorer.score(new long[][] {spec.modelEncoder().encode(featureRow)});
 * }
 * }</pre>
 *
 * Loading warms the model up (the first calls of a fresh session are slow) and logs the device
 * it runs on. TensorFlow places the graph on the first GPU ({@code GPU:0}) when the native
 * libraries have CUDA support (Maven profile {@code gpu}) and a GPU is visible, else on the CPU;
 * soft placement lets an op without a GPU kernel fall back to the CPU. Everything is built from
 * the folder's path, so a Beam {@code DoFn} can hold the path and load the scorer in
 * {@code @Setup}. {@link #score} is safe to call from several threads.
 */
public final class Scorer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Scorer.class.getName());
  private static final int WARM_UP_CALLS = 20;

  private final Path modelDir;
  private final ModelMetadata metadata;
  private final SavedModelBundle bundle;
  private final SessionFunction function;
  private final String device;

  private Scorer(Path modelDir, ModelMetadata metadata, SavedModelBundle bundle) throws ModelException {
    this.modelDir = modelDir;
    this.metadata = metadata;
    this.bundle = bundle;
    this.function = bundle.function(ServingExport.SIGNATURE);
    checkSignature();
    this.device = warmUp();
  }

  /** Loads a model folder without checking it against a spec (its metadata must still be readable). */
  public static Scorer load(Path modelDir) throws ModelException, IOException {
    return open(modelDir, ModelMetadata.read(modelDir), 0);
  }

  /** Loads a model folder, refusing it unless it was trained for {@code spec} (see {@link ModelMetadata#check}). */
  public static Scorer load(Path modelDir, FeatureSpec spec) throws ModelException, IOException {
    return load(modelDir, spec, 0);
  }

  /**
   * As {@link #load(Path, FeatureSpec)}, with {@code threads} threads for each call's operations
   * (0: TensorFlow's default, every core). A server that makes calls from several threads at
   * once gives each call one thread, so that concurrent calls do not fight over the cores.
   */
  public static Scorer load(Path modelDir, FeatureSpec spec, int threads) throws ModelException, IOException {
    ModelMetadata metadata = ModelMetadata.read(modelDir);
    metadata.check(spec);
    return open(modelDir, metadata, threads);
  }

  private static Scorer open(Path modelDir, ModelMetadata metadata, int threads) throws ModelException {
    if (!Files.isRegularFile(modelDir.resolve("saved_model.pb"))) {
      throw new ModelException(modelDir + " has " + ModelMetadata.FILE + " but no saved_model.pb");
    }
    long start = System.nanoTime();
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.loader(modelDir.toString()).withTags(SavedModelBundle.DEFAULT_TAG)
          .withConfigProto(ConfigProto.newBuilder()
              .setIntraOpParallelismThreads(threads)
              .setInterOpParallelismThreads(threads)
              .setAllowSoftPlacement(true)
              .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true))
              .build())
          .load();
    } catch (TensorFlowException e) {
      throw new ModelException("cannot load the SavedModel in " + modelDir + ": " + e.getMessage(), e);
    }
    try {
      Scorer scorer = new Scorer(modelDir, metadata, bundle);
      LOG.log(Level.INFO, "model {0} (spec {1}, {2} inputs) loaded and warmed up in {3} ms; {4}", modelDir,
          metadata.specName(), metadata.inputs().size(), (System.nanoTime() - start) / 1_000_000, scorer.device);
      return scorer;
    } catch (RuntimeException | ModelException e) {
      bundle.close();
      throw e;
    }
  }

  private void checkSignature() throws ModelException {
    Signature signature = function.signature();
    Signature.TensorDescription input = signature.getInputs().get(ServingExport.INPUT);
    if (input == null || !signature.getOutputs().containsKey(ServingExport.OUTPUT)) {
      throw new ModelException(modelDir + ": signature " + ServingExport.SIGNATURE + " lacks input "
          + ServingExport.INPUT + " or output " + ServingExport.OUTPUT);
    }
    if (input.shape.numDimensions() != 2 || input.shape.get(1) != width()) {
      throw new ModelException(modelDir + ": the SavedModel takes " + ServingExport.INPUT + " " + input.shape + " but "
          + ModelMetadata.FILE + " lists " + width() + " inputs");
    }
  }

  /**
   * Runs a few calls so that the first real one is not slow, and reads from the last one where
   * TensorFlow placed the graph's nodes: returns the log line's device part.
   */
  private String warmUp() {
    long[][] zeros = new long[64][width()];
    for (int i = 0; i < WARM_UP_CALLS; i++) {
      score(zeros);
    }
    Signature signature = function.signature();
    RunOptions options = RunOptions.newBuilder().setOutputPartitionGraphs(true).build();
    Set<String> devices = new TreeSet<>();
    try (TInt64 input = ids(zeros);
         Result result = bundle.session().runner()
             .feed(signature.getInputs().get(ServingExport.INPUT).name, input)
             .fetch(signature.getOutputs().get(ServingExport.OUTPUT).name)
             .setOptions(options)
             .runAndFetchMetadata()) {
      RunMetadata runMetadata = result.getMetadata().orElseThrow();
      for (GraphDef partition : runMetadata.getPartitionGraphsList()) {
        for (NodeDef node : partition.getNodeList()) {
          devices.add(node.getDevice().replaceFirst("^/job:[^/]*/replica:\\d+/task:\\d+/", ""));
        }
      }
    }
    return devices.stream().anyMatch(d -> d.contains("GPU"))
        ? "scoring on GPU (" + String.join(", ", devices) + ")"
        : "scoring on CPU: TensorFlow found no usable GPU (one needs the gpu Maven profile's native libraries,"
            + " CUDA 12 and cuDNN on LD_LIBRARY_PATH, and a visible GPU)";
  }

  /** The ids per row, in the order of {@link ModelMetadata#inputs()}. */
  public int width() {
    return metadata.inputs().size();
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  /** Where the model runs, as logged at load: "scoring on GPU (...)" or "scoring on CPU: ...". */
  public String device() {
    return device;
  }

  /** The probability of the positive class for each row of ids; every row must have {@link #width()} ids. */
  public float[] score(long[][] ids) {
    if (ids.length == 0) {
      return new float[0];
    }
    try (TInt64 input = ids(ids);
         Result result = function.call(Map.of(ServingExport.INPUT, input))) {
      float[] scores = new float[ids.length];
      ((TFloat32) result.get(ServingExport.OUTPUT).orElseThrow()).asRawTensor().data().asFloats().read(scores);
      return scores;
    }
  }

  private TInt64 ids(long[][] rows) {
    int width = width();
    long[] flat = new long[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != width) {
        throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " ids, the model takes " + width);
      }
      System.arraycopy(rows[i], 0, flat, i * width, width);
    }
    return TInt64.tensorOf(Shape.of(rows.length, width), DataBuffers.of(flat, true, false));
  }

  @Override
  public void close() {
    bundle.close();
  }
}
