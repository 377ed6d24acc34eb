package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.testdata.Fixtures;
import dev.tandem.testdata.JdGenerator;
import dev.tandem.testdata.ParquetRows;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.MimeTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code training-set} and {@code score} on a file system that is not local ({@link
 * MemoryFileSystem}, {@code mem://}, shaped like GCS): the time range from the footers, the
 * staging folder, its publication, {@code _SUCCESS} and {@code metadata.json}, the model folder
 * and the scored rows all go through Beam's file systems, and give what a local run gives.
 */
class RemoteStorageTest {
  static final String ROOT = "mem://tandem-test/";

  @TempDir
  static Path dir;

  static Path fixture;

  @BeforeAll
  static void copyTheFixtureThere() throws IOException {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    fixture = Fixtures.jd(JdGenerator.Mode.REALISTIC);
    upload(fixture, ROOT + "data");
  }

  @AfterAll
  static void forget() {
    MemoryFileSystem.deleteAll(ROOT);
  }

  @Test
  void trainingSetAndScoreReadAndWriteOnAnotherFileSystem() throws IOException {
    // training-set: default cut points (from the request table's footers), staging, publication.
    TandemCliTest.Result ts = cli("training-set", "--data", ROOT + "data", "--out", ROOT + "ts");
    assertThat(ts.err(), ts.code(), is(0));
    List<String> written = MemoryFileSystem.list(ROOT + "ts/");
    assertThat(written, hasItems(ROOT + "ts/_SUCCESS", ROOT + "ts/metadata.json"));
    for (String split : List.of("train", "validation", "test")) {
      assertThat(written.stream().filter(f -> f.startsWith(ROOT + "ts/" + split + "/part-")).count() > 0, is(true));
    }
    assertThat(written, everyItem(not(containsString(OutputFolder.STAGING))));
    assertThat(written, everyItem(not(containsString(".temp-beam"))));

    // The same as a local run: same splits (same cut points), same metadata.
    Path localTs = dir.resolve("ts-local");
    TandemCliTest.Result local = cli("training-set", "--data", fixture.toString(), "--out", localTs.toString());
    assertThat(local.err(), local.code(), is(0));
    assertThat(Files.exists(localTs.resolve(OutputFolder.STAGING)), is(false)); // folders removed where they exist
    assertThat(splitsLine(ts.out()), is(splitsLine(local.out())));
    assertThat(Storage.readString(ROOT + "ts/metadata.json"), is(Files.readString(localTs.resolve("metadata.json"))));
    assertThat(Storage.readString(ROOT + "ts/_SUCCESS"), is(Files.readString(localTs.resolve("_SUCCESS"))));

    // The trainer reads a local folder: the remote training set, copied back, is what it trains on.
    Path copied = dir.resolve("ts-copied");
    Storage.copyToLocal(ROOT + "ts", copied);
    Path model = dir.resolve("model");
    TandemCliTest.Result train = TandemCliTest.cli("train", "--train", copied.toString(), "--out", model.toString(),
        "--epochs", "1", "--dnn", "16", "--table-size", "5000", "--batch-size", "64");
    assertThat(train.err(), train.code(), is(0));
    upload(model, ROOT + "model");

    // score: model, data and output remote; the scores are those of the same model scoring locally.
    TandemCliTest.Result scored = TandemCliTest.cli("score", "--model", ROOT + "model", "--data", ROOT + "ts/test",
        "--out", ROOT + "scored");
    assertThat(scored.err(), scored.code(), is(0));
    TandemCliTest.Result scoredLocally = TandemCliTest.cli("score", "--model", model.toString(), "--data",
        localTs.resolve("test").toString(), "--out", dir.resolve("scored-local").toString());
    assertThat(scoredLocally.err(), scoredLocally.code(), is(0));
    assertSameScores(download(ROOT + "scored"), dir.resolve("scored-local"));
    assertThat(Storage.readString(ROOT + "scored/_SUCCESS"), containsString("rows=" + testRows(localTs)));
    assertThat(MemoryFileSystem.list(ROOT + "scored/"), everyItem(not(containsString(OutputFolder.STAGING))));

    // An output that holds something is refused, replaced with --overwrite, never when Tandem did not write it.
    TandemCliTest.Result again = TandemCliTest.cli("score", "--model", ROOT + "model", "--data", ROOT + "ts/test",
        "--out", ROOT + "scored");
    assertThat(again.code(), is(2));
    assertThat(again.err(), containsString("is not empty; pass --overwrite"));
    Storage.writeString(ROOT + "scored/notes.txt", "mine");
    TandemCliTest.Result foreign = TandemCliTest.cli("score", "--model", ROOT + "model", "--data", ROOT + "ts/test",
        "--out", ROOT + "scored", "--overwrite");
    assertThat(foreign.code(), is(2));
    assertThat(foreign.err(), containsString("holds notes.txt, which Tandem did not write"));
    Storage.delete(List.of(Storage.file(ROOT + "scored/notes.txt")));
    TandemCliTest.Result overwritten = TandemCliTest.cli("score", "--model", ROOT + "model", "--data", ROOT + "ts/test",
        "--out", ROOT + "scored", "--overwrite", "--runner", "spark", "--sparkMaster=local[2]");
    assertThat(overwritten.err(), overwritten.code(), is(0));
    assertSameScores(download(ROOT + "scored"), dir.resolve("scored-local"));

    // Nothing went to a local folder named after the URL.
    try (Stream<Path> here = Files.list(Path.of(""))) {
      assertThat(here.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("mem")).toList(), is(empty()));
    }
  }

  @Test
  void aMissingRemoteFolderIsABadInputNamingIt() {
    TandemCliTest.Result ts = cli("training-set", "--data", ROOT + "nothing-here", "--out", ROOT + "ts-none");
    assertThat(ts.code(), is(2));
    assertThat(ts.err(), containsString("no Parquet files match " + ROOT + "nothing-here/flattenRequest_clean/*.parquet"));
    TandemCliTest.Result score = TandemCliTest.cli("score", "--model", ROOT + "no-model", "--data", ROOT + "nothing-here",
        "--out", ROOT + "scored-none");
    assertThat(score.code(), is(2));
    assertThat(score.err(), startsWith("model error: no SavedModel in " + ROOT + "no-model"));
    assertThat(MemoryFileSystem.list(ROOT + "ts-none"), is(empty()));
    assertThat(MemoryFileSystem.list(ROOT + "scored-none"), is(empty()));
  }

  /** A training-set run on the JD spec with the default cut points (80 % and 90 % into the requests' time span). */
  private static TandemCliTest.Result cli(String command, String... args) {
    List<String> all = new ArrayList<>(List.of(command, "--spec", TandemCliTest.JD_SPEC.toString()));
    all.addAll(List.of(args));
    return TandemCliTest.cli(all.toArray(String[]::new));
  }

  /** The "splits:" line a training-set run prints. */
  private static String splitsLine(String out) {
    return out.lines().filter(l -> l.startsWith("training set: ")).findFirst().orElseThrow().replaceAll(" -> .*", "");
  }

  private static long testRows(Path trainingSet) throws IOException {
    return ParquetRows.readFolder(trainingSet.resolve("test")).size();
  }

  /**
   * The same rows with the same scores, row by row in the order of their model ids: scored in other
   * batches, a score may differ in its last bits (see TrainAndScoreTest), no more.
   */
  private static void assertSameScores(Path folder, Path expectedFolder) throws IOException {
    List<GenericRecord> rows = byIds(folder);
    List<GenericRecord> expected = byIds(expectedFolder);
    assertThat(rows.size(), is(expected.size()));
    for (int i = 0; i < rows.size(); i++) {
      assertThat(rows.get(i).get(TandemTrainingSet.MODEL_IDS).toString(),
          is(expected.get(i).get(TandemTrainingSet.MODEL_IDS).toString()));
      float score = (Float) rows.get(i).get(BatchScoring.SCORE);
      float want = (Float) expected.get(i).get(BatchScoring.SCORE);
      assertThat(score + " vs " + want, Math.abs(score - want) <= 4 * Math.ulp(want), is(true));
    }
  }

  private static List<GenericRecord> byIds(Path folder) throws IOException {
    List<GenericRecord> rows = new ArrayList<>(ParquetRows.readFolder(folder));
    rows.sort(Comparator.comparing((GenericRecord r) -> r.get(TandemTrainingSet.MODEL_IDS).toString())
        .thenComparing(r -> (Float) r.get(BatchScoring.SCORE)));
    return rows;
  }

  /** Copies a local folder's files to a remote folder. */
  static void upload(Path local, String remote) throws IOException {
    try (Stream<Path> walk = Files.walk(local)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        String name = remote + "/" + local.relativize(file).toString().replace('\\', '/');
        try (OutputStream out = Channels.newOutputStream(FileSystems.create(Storage.file(name), MimeTypes.BINARY))) {
          Files.copy(file, out);
        }
      }
    }
  }

  private static Path download(String remote) throws IOException {
    Path local = Files.createTempDirectory(dir, "download-");
    Storage.copyToLocal(remote, local);
    return local;
  }
}
