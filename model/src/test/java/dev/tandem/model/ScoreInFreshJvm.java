package dev.tandem.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Run by {@link ExportTest} in a new JVM: scores the ids in a file with a model folder, writes the scores. */
final class ScoreInFreshJvm {
  private ScoreInFreshJvm() {}

  /** Arguments: model folder, ids file (rows, width, then the ids), scores file to write (rows, then the float bits). */
  public static void main(String[] args) throws Exception {
    long[][] ids = readIds(Path.of(args[1]));
    float[] scores;
    try (Scorer scorer = Scorer.load(Path.of(args[0]))) {
      scores = scorer.score(ids);
    }
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[2])))) {
      out.writeInt(scores.length);
      for (float s : scores) {
        out.writeInt(Float.floatToIntBits(s));
      }
    }
  }

  static void writeIds(Path file, long[][] ids) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      out.writeInt(ids.length);
      out.writeInt(ids[0].length);
      for (long[] row : ids) {
        for (long id : row) {
          out.writeLong(id);
        }
      }
    }
  }

  private static long[][] readIds(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      long[][] ids = new long[in.readInt()][in.readInt()];
      for (long[] row : ids) {
        for (int i = 0; i < row.length; i++) {
          row[i] = in.readLong();
        }
      }
      return ids;
    }
  }

  static int[] readScoreBits(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      int[] bits = new int[in.readInt()];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = in.readInt();
      }
      return bits;
    }
  }
}
