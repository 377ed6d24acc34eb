package dev.tandem.online;

import dev.tandem.redis.LocalRedis;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisKeysTest {

  private static final List<String> HOSTILE = List.of(
      "plain", "a:b", "a%3Ab", "a%3ab", "{tag}", "{", "}", "*", "?", "[x]", "\"quoted\"", "back\\slash",
      "with space", "line\nfeed", "carriage\rreturn", "%", "%%", "%25", "emoji \uD83D\uDE00", "caf\u00e9",
      "", ":", "::", "tandem:jd:1:g2:s:t:c:v", "A_b.c-d", "x".repeat(10_000));

  private final RedisKeys keys = new RedisKeys("jd", "1");

  @Test
  void layoutIsAsDocumented() {
    assertEquals("tandem:jd:1:current", text(keys.currentKey()));
    assertEquals("tandem:jd:1:g7:", text(keys.generationPrefix(7)));
    assertEquals("tandem:jd:1:g7:meta", text(keys.metaKey(7)));
    assertEquals("tandem:jd:1:g7:seq:action", text(keys.sequenceKey(7, "action")));
    assertEquals("tandem:jd:1:g7:s:action:user_id:u%3A1%7B%7D%20%C3%A9",
        text(keys.stateKey(7, "action", "user_id", "u:1{} \u00e9")));
    assertEquals("tandem:my%20spec:v%3A2:current", text(new RedisKeys("my spec", "v:2").currentKey()));
  }

  @Test
  void hostileValuesRoundTripEverywhereInTheKey() {
    for (String value : HOSTILE) {
      RedisKeys.StateKey expected = new RedisKeys.StateKey(3, value, value, value);
      assertEquals(expected, keys.parseStateKey(keys.stateKey(3, value, value, value)), value);
      assertEquals(value, RedisKeys.decode(RedisKeys.encode(value)));
    }
  }

  @Test
  void keysHoldOnlySafeCharactersAndNeverCollide() {
    Set<String> seen = new HashSet<>();
    for (String value : HOSTILE) {
      String key = text(keys.stateKey(1, "t", "c", value));
      assertTrue(key.matches("[A-Za-z0-9_.\\-:%]*"), key);
      assertTrue(seen.add(key), "collision on " + value);
    }
    // Segment boundaries cannot move: a ':' inside a name is encoded.
    assertFalse(text(keys.stateKey(1, "a", "b:c", "v")).equals(text(keys.stateKey(1, "a:b", "c", "v"))));
    assertFalse(text(keys.stateKey(1, "t", "c", "a:b")).equals(text(keys.stateKey(1, "t", "c", "a%3Ab"))));
  }

  @Test
  void generationPrefixCoversOnlyItsGeneration() {
    String prefix = text(keys.generationPrefix(1));
    assertTrue(text(keys.stateKey(1, "t", "c", "v")).startsWith(prefix));
    assertTrue(text(keys.sequenceKey(1, "t")).startsWith(prefix));
    assertFalse(text(keys.stateKey(10, "t", "c", "v")).startsWith(prefix));
    assertFalse(text(keys.currentKey()).startsWith(prefix));
    assertFalse(text(new RedisKeys("jd", "10").stateKey(1, "t", "c", "v")).startsWith(prefix));
  }

  @Test
  void parseRejectsAnythingButACanonicalStateKeyOfItsNamespace() {
    for (String bad : List.of(
        "tandem:jd:2:g1:s:t:c:v",      // another version
        "tandem:jd:1:g1:seq:t",        // not a state key
        "tandem:jd:1:g1:s:t:c",        // a segment missing
        "tandem:jd:1:g1:s:t:c:v:w",    // one too many
        "tandem:jd:1:g01:s:t:c:v",     // generation not canonical
        "tandem:jd:1:g-1:s:t:c:v",
        "tandem:jd:1:g1:s:t:c:%3a",    // lowercase hex
        "tandem:jd:1:g1:s:t:c:%41",    // an encoded plain character
        "tandem:jd:1:g1:s:t:c:%C3",    // truncated UTF-8
        "tandem:jd:1:g1:s:t:c:a b")) { // a raw space
      assertThrows(IllegalArgumentException.class, () -> keys.parseStateKey(bad.getBytes(UTF_8)), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> keys.stateKey(-1, "t", "c", "v"));
    assertThrows(IllegalArgumentException.class, () -> keys.stateKey(1, "t", "c", "lone \uD800 surrogate"));
  }

  @Test
  void hostileKeysWorkInARealRedis(@TempDir Path dir) throws Exception {
    try (LocalRedis redis = LocalRedis.start(dir); RedisState state = RedisState.connect(redis.uri())) {
      Map<byte[], byte[]> entries = new LinkedHashMap<>();
      List<byte[]> written = new ArrayList<>();
      for (String value : HOSTILE) {
        byte[] key = keys.stateKey(5, "t", "c", value);
        written.add(key);
        entries.put(key, value.getBytes(UTF_8));
      }
      state.setAll(entries);
      state.set(keys.stateKey(6, "t", "c", "other generation"), new byte[] {1});
      state.set(new RedisKeys("jd", "2").stateKey(5, "t", "c", "other version"), new byte[] {2});

      List<byte[]> read = state.getAll(written);
      for (int i = 0; i < HOSTILE.size(); i++) {
        assertEquals(HOSTILE.get(i), text(read.get(i)));
      }
      Set<String> scanned = new HashSet<>();
      for (byte[] key : state.scanKeys(keys.generationPrefix(5))) {
        scanned.add(text(key));
        assertEquals(5, keys.parseStateKey(key).generation());
      }
      assertEquals(written.stream().map(RedisKeysTest::text).collect(Collectors.toSet()), scanned);
      assertArrayEquals("x".repeat(10_000).getBytes(UTF_8), state.get(written.get(HOSTILE.size() - 1)));
    }
  }

  private static String text(byte[] bytes) {
    return new String(bytes, UTF_8);
  }
}
