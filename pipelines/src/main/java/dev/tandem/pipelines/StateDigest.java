package dev.tandem.pipelines;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fingerprint of the current generation of a spec's state: SHA-256 over its keys with the
 * generation prefix removed, in byte order, each key and value preceded by its length (the
 * popular-items sorted sets by their members in order and scores); the meta key (times,
 * counters) is left out. Two materializations of the same data give the same digest
 * whatever their generation numbers and the order Redis lists keys in.
 */
final class StateDigest {
  /** Keys read per round trip. */
  private static final int BATCH = 1000;

  record Result(String hex, long generation, long keys, long bytes) {
    /** {@code <hex digest>  <keys> keys, <bytes> bytes}: bytes are the values' lengths summed. */
    String line() {
      return hex + "  " + keys + " keys, " + bytes + " bytes";
    }
  }

  private StateDigest() {}

  /** @throws IllegalStateException when nothing is materialized, or a key vanished while being read */
  static Result of(RedisState redis, RedisKeys keys) {
    byte[] pointer = redis.get(keys.currentKey());
    if (pointer == null) {
      throw new IllegalStateException("no current generation (run `tandem materialize` first)");
    }
    long generation = Long.parseLong(new String(pointer, US_ASCII));
    int prefix = keys.generationPrefix(generation).length;
    byte[] meta = keys.metaKey(generation);
    byte[] popular = keys.popularPrefix(generation);
    byte[] countedIds = keys.popularIdsPrefix(generation);
    List<byte[]> found = new ArrayList<>();
    List<byte[]> sortedSets = new ArrayList<>();
    for (byte[] key : redis.scanKeys(keys.generationPrefix(generation))) {
      if (startsWith(key, popular)) {
        sortedSets.add(key);
      } else if (!Arrays.equals(key, meta) && !startsWith(key, countedIds)) { // which ids were counted is bookkeeping
        found.add(key);
      }
    }
    found.sort((a, b) -> Arrays.compareUnsigned(a, prefix, a.length, b, prefix, b.length));
    sortedSets.sort((a, b) -> Arrays.compareUnsigned(a, prefix, a.length, b, prefix, b.length));
    MessageDigest sha = sha256();
    // The popular-items sorted sets: each key, then its members in order with their scores.
    List<Map<String, Double>> members = redis.scores(sortedSets);
    for (int i = 0; i < sortedSets.size(); i++) {
      byte[] key = sortedSets.get(i);
      sha.update(ByteBuffer.allocate(4).putInt(key.length - prefix).array());
      sha.update(key, prefix, key.length - prefix);
      new TreeMap<>(members.get(i)).forEach((member, score) -> {
        byte[] m = member.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(12).putInt(m.length).putDouble(score).array());
        sha.update(m);
      });
    }
    long bytes = 0;
    for (int from = 0; from < found.size(); from += BATCH) {
      List<byte[]> batch = found.subList(from, Math.min(found.size(), from + BATCH));
      List<byte[]> values = redis.getAll(batch);
      for (int i = 0; i < batch.size(); i++) {
        byte[] value = values.get(i);
        if (value == null) {
          throw new IllegalStateException("generation " + generation + " changed while it was read (a key vanished)");
        }
        byte[] key = batch.get(i);
        sha.update(ByteBuffer.allocate(4).putInt(key.length - prefix).array());
        sha.update(key, prefix, key.length - prefix);
        sha.update(ByteBuffer.allocate(4).putInt(value.length).array());
        sha.update(value);
        bytes += value.length;
      }
    }
    return new Result(HexFormat.of().formatHex(sha.digest()), generation, found.size() + sortedSets.size(), bytes);
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return Arrays.equals(key, 0, Math.min(key.length, prefix.length), prefix, 0, prefix.length);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
