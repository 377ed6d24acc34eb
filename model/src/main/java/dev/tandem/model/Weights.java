package dev.tandem.model;

import java.util.List;
import org.tensorflow.types.TFloat32;

/** A copy of a model's weights, by variable name; owns (and closes) its tensors. */
record Weights(List<String> names, List<TFloat32> tensors) implements AutoCloseable {
  Weights {
    names = List.copyOf(names);
    tensors = List.copyOf(tensors);
  }

  /** The values of one variable, flattened. */
  float[] values(String name) {
    TFloat32 t = tensors.get(names.indexOf(name));
    float[] values = new float[Math.toIntExact(t.size())];
    t.asRawTensor().data().asFloats().read(values);
    return values;
  }

  @Override
  public void close() {
    tensors.forEach(TFloat32::close);
  }
}
