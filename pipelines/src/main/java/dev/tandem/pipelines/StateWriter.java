package dev.tandem.pipelines;

import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.Row;

/**
 * Writes {@link dev.tandem.beam.TandemState} rows into one generation of a Redis namespace, in
 * pipelined batches: one connection per bundle, so nothing outlives a bundle on a worker.
 */
final class StateWriter extends DoFn<Row, Void> {
  /** Keys per pipelined write. */
  static final int BATCH = 500;

  private final String uri;
  private final String specName;
  private final String specVersion;
  private final long generation;
  private transient RedisKeys keys;
  private transient RedisState redis;
  private transient Map<byte[], byte[]> batch;

  StateWriter(String uri, String specName, String specVersion, long generation) {
    this.uri = uri;
    this.specName = specName;
    this.specVersion = specVersion;
    this.generation = generation;
  }

  @StartBundle
  public void start() {
    keys = new RedisKeys(specName, specVersion);
    redis = RedisState.connect(uri);
    batch = new IdentityHashMap<>();
  }

  @ProcessElement
  public void process(@Element Row state) {
    batch.put(keys.stateKey(generation, state.getString("table"), state.getString("column"), state.getString("key")),
        state.getBytes("value"));
    if (batch.size() >= BATCH) {
      flush();
    }
  }

  @FinishBundle
  public void finish() {
    try {
      flush();
    } finally {
      redis.close();
    }
  }

  private void flush() {
    if (!batch.isEmpty()) {
      redis.setAll(batch);
      batch = new IdentityHashMap<>();
    }
  }
}
