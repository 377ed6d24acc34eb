package dev.tandem.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.ServingPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;


/**
 * Broken specs, each the minimal valid spec below with one thing changed, and the exact errors
 * ({@code file:line:column: message}) they must produce.
 */
class SpecErrorsTest {
  private static final String FILE = "bad.yaml";

  /**
   * A minimal valid spec that uses every section. The tests change it by line number:
   *
   * <pre>
   *  1 name              24 windows:   25 last10 (rows)   26 clicks7d (union, range)
   *  2 tables:           27 joins:     28 u
   *  3-11 req (request)  29 features:  30 amount2  31 total10 (over:)  32 spend7d (inline over)
   * 12-18 clicks (event)               33 age (join)  34 big (quoted)
   * 19-23 users (dim.)   35 label      36 model:  37 inputs:  38 amount2  39 total10 (buckets)  40 age
   * </pre>
   */
  private static final String MINIMAL = """
      name: t
      tables:
        req:
          role: request
          key: id
          time: ts
          columns:
            id: string
            ts: timestamp
            user: string
            amount: int
        clicks:
          role: event
          time: ts
          columns:
            user: string
            ts: timestamp
            price: double
        users:
          role: dimension
          columns:
            user: string
            age: int
      windows:
        last10: {partition: user, rows: 10}
        clicks7d: {union: [clicks], partition: user, range: 7d, maxsize: 100, request_row: {price: 0.0}}
      joins:
        u: {table: users, on: user}
      features:
        - {name: amount2, expr: amount * 2}
        - {name: total10, expr: sum(amount), over: last10}
        - {name: spend7d, expr: sum(price) over clicks7d}
        - {name: age, expr: u.age}
        - {name: big, expr: "if(amount > 100, 1, 0)"}
      label: big
      model:
        inputs:
          - amount2
          - {feature: total10, encode: {buckets: [0, 10, 100]}}
          - age
      """;

  /** The minimal spec, to be changed line by line (lines are 1-based, as in error messages). */
  private static final class Spec {
    private final List<String> lines = new ArrayList<>(Arrays.asList(MINIMAL.split("\n", -1)));

    /** Replaces {@code from}, which must occur exactly once in line {@code line}, with {@code to}. */
    Spec change(int line, String from, String to) {
      String old = lines.get(line - 1);
      int at = old.indexOf(from);
      if (at < 0 || old.indexOf(from, at + 1) >= 0) {
        throw new IllegalArgumentException("'" + from + "' is not once in line " + line + ": " + old);
      }
      lines.set(line - 1, old.substring(0, at) + to + old.substring(at + from.length()));
      return this;
    }

    /** Inserts a new line after line {@code line}: it becomes line {@code line + 1}. */
    Spec insertAfter(int line, String text) {
      lines.add(line, text);
      return this;
    }

    String text() {
      return String.join("\n", lines);
    }
  }

  private static Spec minimal() {
    return new Spec();
  }

  /** The errors of a spec that must not compile, as {@code file:line:column: message}. */
  private static List<String> errors(Spec spec) {
    return errors(spec.text());
  }

  private static List<String> errors(String text) {
    SpecException e = assertThrows(SpecException.class, () -> FeatureSpec.parse(text, FILE));
    return e.errors().stream().map(SpecError::toString).toList();
  }

  // ---------------------------------------------------------------- the valid specs

  @Test
  void minimalSpecParses() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(minimal().text(), FILE);
    assertThat(spec.name(), equalTo("t"));
    assertThat(spec.features().stream().map(FeatureDef::name).toList(),
        contains("amount2", "total10", "spend7d", "age", "big"));
    assertThat(spec.features().stream().map(FeatureDef::type).toList(),
        contains(Type.INT, Type.BIGINT, Type.DOUBLE, Type.INT, Type.INT));
    assertThat(spec.label(), equalTo("big"));
    assertThat(spec.model().inputs(), hasSize(3));
    assertThat(spec.windows(), hasSize(2));
    assertThat(spec.joins(), hasSize(1));
  }

  @Test
  void jdSpecLoads() throws Exception {
    FeatureSpec spec = FeatureSpec.load(Path.of("specs/jd.yaml"));
    assertThat(spec.name(), equalTo("jd"));
    assertThat(spec.features(), hasSize(42));
    assertThat(spec.label(), equalTo("action_actionValue_multi_direct_2"));
  }

  // ---------------------------------------------------------------- unknown names

  @Test
  void unknownColumnInFeatureExpression() {
    assertThat(errors(minimal().change(30, "amount * 2", "amount * amont")),
        contains("bad.yaml:30:36: unknown column 'amont' (not a column of request table 'req', nor a feature)"));
  }

  @Test
  void unknownColumnInWindowFunctionArgument() {
    assertThat(errors(minimal().change(31, "sum(amount)", "sum(amout)")),
        contains("bad.yaml:31:31: unknown column 'amout' in window 'last10' (known: id, ts, user, amount)"));
  }

  @Test
  void unknownColumnInWindowPartition() {
    // only the partition: total10, which uses the broken window, is not reported again
    assertThat(errors(minimal().change(25, "partition: user", "partition: usr")),
        contains("bad.yaml:25:23: unknown column 'usr' in request table 'req' (partition of window 'last10')"));
  }

  @Test
  void unknownColumnOfJoinedTableInJoinOn() {
    assertThat(errors(minimal().change(28, "on: user", "on: {user: uid}")),
        contains("bad.yaml:28:32: unknown column 'uid' in table 'users' (on of join 'u')"));
  }

  @Test
  void unknownRequestColumnInJoinOn() {
    assertThat(errors(minimal().change(28, "on: user", "on: {usr: user}")),
        contains("bad.yaml:28:26: unknown column 'usr' in request table 'req' (on of join 'u')"));
  }

  @Test
  void unknownColumnOfJoin() {
    assertThat(errors(minimal().change(33, "u.age", "u.agee")),
        contains("bad.yaml:33:23: unknown column 'agee' in table 'users' (join 'u')"));
  }

  @Test
  void unknownJoin() {
    assertThat(errors(minimal().change(33, "u.age", "x.age")),
        contains("bad.yaml:33:23: unknown join 'x' (known: u)"));
  }

  @Test
  void unknownFunction() {
    assertThat(errors(minimal().change(30, "amount * 2", "amount * sqrt(amount)")),
        contains("bad.yaml:30:36: unknown function 'sqrt'"));
  }

  @Test
  void unknownWindowInOverKey() {
    assertThat(errors(minimal().change(31, "over: last10", "over: last1")),
        contains("bad.yaml:31:46: unknown window 'last1' (known: last10, clicks7d)"));
  }

  @Test
  void unknownWindowInInlineOver() {
    assertThat(errors(minimal().change(32, "over clicks7d", "over clicks7")),
        contains("bad.yaml:32:43: unknown window 'clicks7' (known: last10, clicks7d)"));
  }

  @Test
  void unknownTableInUnion() {
    assertThat(errors(minimal().change(26, "[clicks]", "[clickz]")),
        contains("bad.yaml:26:22: unknown table 'clickz' in union of window 'clicks7d' (known: req, clicks, users)"));
  }

  @Test
  void unknownTableInJoin() {
    assertThat(errors(minimal().change(28, "table: users", "table: userz")),
        contains("bad.yaml:28:14: unknown table 'userz' in join 'u' (known: req, clicks, users)"));
  }

  @Test
  void unknownTypeOfColumn() {
    // only the type: the join on the broken table 'users' is not reported again
    assertThat(errors(minimal().change(23, "int", "integer")),
        contains("bad.yaml:23:12: unknown type 'integer' for column 'age'"
            + " (expected one of: string, int, bigint, float, double, timestamp, bool)"));
  }

  @Test
  void labelIsNotAFeature() {
    assertThat(errors(minimal().change(35, "big", "bigg")),
        contains("bad.yaml:35:8: label 'bigg' is not a feature"));
  }

  @Test
  void unknownModelInputFeature() {
    assertThat(errors(minimal().change(38, "amount2", "amount3")),
        contains("bad.yaml:38:7: unknown feature 'amount3' in model inputs"));
  }

  // ---------------------------------------------------------------- names every engine takes

  private static final String ALLOWED = "allowed are ASCII letters, digits and '_', not starting with a digit"
      + " (as Parquet and Avro field names require)";

  @Test
  void featureNameThatAvroRejects() {
    // validated once, then `tandem features` died with Avro's SchemaParseException
    assertThat(errors(minimal().insertAfter(34, "  - {name: reqId-17, expr: id}")),
        contains("bad.yaml:35:12: bad feature name 'reqId-17': " + ALLOWED));
  }

  @Test
  void columnTableWindowAndJoinNamesFollowTheSameRule() {
    assertThat(errors(minimal()
            .insertAfter(11, "      amount.2: int")
            .change(13, "clicks:", "\"clicks v2\":")
            .change(27, "[clicks]", "[\"clicks v2\"]")
            .change(26, "last10:", "2last10:")
            .change(32, "over: last10", "over: 2last10")
            .insertAfter(29, "  u-2: {table: users, on: user}")),
        contains(
            "bad.yaml:12:7: bad column name 'amount.2': " + ALLOWED,
            "bad.yaml:13:3: bad table name 'clicks v2': " + ALLOWED,
            "bad.yaml:26:3: bad window name '2last10': " + ALLOWED,
            "bad.yaml:30:3: bad join name 'u-2': " + ALLOWED));
  }

  @Test
  void namesOfTheEnginesOwnFieldsAreReserved() {
    assertThat(errors(minimal().insertAfter(11, "      __sequence: bigint").insertAfter(35, "  - {name: model_ids, expr: id}")),
        contains(
            "bad.yaml:12:7: bad column name '__sequence': names starting with '__' are reserved for the engines' own fields",
            "bad.yaml:36:12: bad feature name 'model_ids': the training set has a column of that name (the model ids)"));
  }

  @Test
  void theSpecNameMayHaveDotsAndDashes() throws Exception {
    assertThat(FeatureSpec.parse(minimal().change(1, "name: t", "name: shop-v1.2").text(), FILE).name(), equalTo("shop-v1.2"));
  }

  // ---------------------------------------------------------------- types and arities

  @Test
  void comparingStringWithInt() {
    assertThat(errors(minimal().change(34, "amount > 100", "user > 100")),
        contains("bad.yaml:34:32: type mismatch: cannot compare string with int"));
  }

  @Test
  void plusOnStrings() {
    assertThat(errors(minimal().change(30, "amount * 2", "user + id")),
        contains("bad.yaml:30:32: type mismatch: '+' needs numbers, got string and string (use concat() for strings)"));
  }

  @Test
  void unionPartitionColumnOfAnotherType() {
    assertThat(errors(minimal().change(16, "string", "int")),
        contains("bad.yaml:26:22: type mismatch: partition column 'user' is int in 'clicks' but string in 'req'"));
  }

  @Test
  void wrongArityOfScalarFunction() {
    // quoted: in a YAML flow mapping a plain value ends at the first ','
    assertThat(errors(minimal().change(30, "amount * 2", "\"hour(ts, 1)\"")),
        contains("bad.yaml:30:28: hour() takes 1 argument, got 2"));
  }

  @Test
  void wrongArityOfWindowFunction() {
    assertThat(errors(minimal().change(31, "sum(amount)", "\"sum(amount, 2)\"")),
        contains("bad.yaml:31:28: sum() takes 1 argument, got 2"));
  }

  // ---------------------------------------------------------------- features

  @Test
  void duplicateFeature() {
    assertThat(errors(minimal().insertAfter(34, "  - {name: age, expr: amount}")),
        contains("bad.yaml:35:12: duplicate feature 'age' (first defined at line 33)"));
  }

  @Test
  void cyclicReferenceBetweenFeatures() {
    assertThat(errors(minimal()
            .change(30, "amount * 2", "cyc + 1")
            .insertAfter(34, "  - {name: cyc, expr: amount2 * 2}")),
        contains("bad.yaml:35:23: cyclic reference: amount2 -> cyc -> amount2"));
  }

  @Test
  void windowFunctionWithoutWindow() {
    assertThat(errors(minimal().change(31, ", over: last10", "")),
        contains("bad.yaml:31:27: sum() needs a window: add 'over: <window>' to the feature"
            + " or write 'sum(...) over <window>'"));
  }

  @Test
  void syntaxErrorInQuotedExpression() {
    assertThat(errors(minimal().change(34, "amount > 100", "amount > > 100")),
        contains("bad.yaml:34:36: syntax error in 'big': unexpected '>'"));
  }

  @Test
  void labelMustBeAnInteger() {
    assertThat(errors(minimal().change(34, "if(amount > 100, 1, 0)", "amount > 100")),
        contains("bad.yaml:35:8: label 'big' is bool; a label must be an int or bigint (1 = positive, 0 = negative),"
            + " e.g. if(cond, 1, 0)"));
  }

  @Test
  void syntaxErrorAtEndOfExpression() {
    assertThat(errors(minimal().change(30, "amount * 2", "amount * (2 + 1")),
        contains("bad.yaml:30:42: syntax error in 'amount2': expected ')' but found the end of the expression"));
  }

  // ---------------------------------------------------------------- windows

  @Test
  void badDuration() {
    assertThat(errors(minimal().change(26, "range: 7d", "range: 14x")),
        contains("bad.yaml:26:55: bad duration '14x' (expected a number and a unit s, m, h or d, like 14d)"));
  }

  @Test
  void maxsizeWithoutRange() {
    assertThat(errors(minimal().change(25, "rows: 10", "rows: 10, maxsize: 5")),
        contains("bad.yaml:25:39: maxsize needs a range window ('range: 14d'); window 'last10' has none"));
  }

  @Test
  void rowsAndRangeBoth() {
    assertThat(errors(minimal().change(25, "rows: 10", "rows: 10, range: 7d")),
        contains("bad.yaml:25:39: window 'last10' has both 'rows' and 'range': choose one"));
  }

  @Test
  void unionTableWithoutPartitionColumn() {
    assertThat(errors(minimal().change(16, "user", "uid")),
        contains("bad.yaml:26:22: union table 'clicks' has no partition column 'user'"));
  }

  @Test
  void emptyUnion() {
    assertThat(errors(minimal().change(26, "[clicks]", "[]")),
        contains("bad.yaml:26:21: union of window 'clicks7d' lists no table"));
  }

  @Test
  void misspelledWindowKey() {
    // the typo hides 'range', so the window has neither rows nor range and its maxsize has no range
    assertThat(errors(minimal().change(26, "range: 7d", "ragne: 7d")),
        contains(
            "bad.yaml:26:13: window 'clicks7d' needs 'rows' (a count of preceding rows) or 'range' (a duration like 14d)",
            "bad.yaml:26:48: unknown key 'ragne' in window 'clicks7d' (expected one of: instance_not_in_window,"
                + " maxsize, order, partition, range, request_row, rows, union)",
            "bad.yaml:26:59: maxsize needs a range window ('range: 14d'); window 'clicks7d' has none"));
  }

  // ---------------------------------------------------------------- file structure

  @Test
  void misspelledTopLevelKey() {
    assertThat(errors(minimal().change(35, "label", "lable")),
        contains("bad.yaml:35:1: unknown key 'lable' in the spec (expected one of: features, joins, label, model,"
            + " name, serving, tables, timezone, version, windows)"));
  }

  @Test
  void yamlSyntaxError() {
    assertThat(errors(minimal().change(5, "key: id", "key: id: x")),
        contains("bad.yaml:5:12: YAML syntax error: mapping values are not allowed here"));
  }

  @Test
  void missingRequestTable() {
    assertThat(errors(minimal().change(4, "request", "event")),
        contains("bad.yaml:2:1: no table has role: request"));
  }

  @Test
  void bucketBoundariesNotIncreasing() {
    assertThat(errors(minimal().change(39, "[0, 10, 100]", "[0, 100, 10]")),
        contains("bad.yaml:39:53: bucket boundaries must increase: 10 after 100"));
  }

  // ---------------------------------------------------------------- several errors

  @Test
  void allErrorsAreReportedInFileOrder() {
    assertThat(errors(minimal()
            .change(35, "big", "bigg")
            .change(31, "over: last10", "over: last1")
            .change(26, "range: 7d", "range: 14x")
            .change(30, "amount * 2", "amount * sqrt(amount)")
            .change(34, "amount > 100", "user > 100")),
        contains(
            "bad.yaml:26:55: bad duration '14x' (expected a number and a unit s, m, h or d, like 14d)",
            "bad.yaml:30:36: unknown function 'sqrt'",
            "bad.yaml:31:46: unknown window 'last1' (known: last10)",
            "bad.yaml:34:32: type mismatch: cannot compare string with int",
            "bad.yaml:35:8: label 'bigg' is not a feature"));
  }

  // ---------------------------------------------------------------- serving

  /**
   * The minimal spec with two more request columns (lines 12-13: note, tag) and a serving section
   * (lines 43-52): user 44, item 45, columns 46-48, recall 49-51, filters 52.
   */
  private static Spec serving() {
    Spec spec = minimal().insertAfter(11, "      note: string").insertAfter(12, "      tag: string");
    List<String> serving = List.of(
        "serving:",
        "  user: user",
        "  item: amount",
        "  columns:",
        "    note: \"concat(user, '/', string(amount))\"",
        "    tag: \"concat(note, '!')\"",
        "  recall:",
        "    recent: {limit: 5}",
        "    popular: {days: 7, limit: 10}",
        "  filters: [\"total10 > 0\"]");
    for (int i = 0; i < serving.size(); i++) {
      spec.insertAfter(42 + i, serving.get(i));
    }
    return spec;
  }

  @Test
  void servingSectionParses() throws Exception {
    ServingPlan serving = FeatureSpec.parse(serving().text(), FILE).serving();
    assertThat(List.of(serving.userColumn(), serving.itemColumn(), serving.idColumn()), contains("user", "amount", "id"));
    assertThat(List.of(serving.recentLimit(), serving.popularDays(), serving.popularLimit()), contains(5, 7, 10));
  }

  @Test
  void unknownKeyInServing() {
    assertThat(errors(serving().change(52, "filters", "filter")),
        contains("bad.yaml:52:3: unknown key 'filter' in serving (expected one of: columns, filters, id, item, recall, user)"));
  }

  @Test
  void servingWithoutUser() {
    assertThat(errors(serving().change(44, "user: user", "id: id")),
        contains("bad.yaml:44:3: serving is missing 'user'"));
  }

  @Test
  void unknownServingUserColumn() {
    assertThat(errors(serving().change(44, "user: user", "user: usr")),
        contains("bad.yaml:44:9: unknown column 'usr' in request table 'req' (serving user)"));
  }

  @Test
  void unknownDerivedColumn() {
    assertThat(errors(serving().change(47, "note:", "nte:")),
        contains("bad.yaml:47:5: unknown column 'nte' in request table 'req' (serving columns)"));
  }

  @Test
  void userAndItemAreTheSameColumn() {
    assertThat(errors(serving().change(45, "amount", "user")),
        contains("bad.yaml:45:9: column 'user' is both the serving user and the serving item"));
  }

  @Test
  void idColumnMustBeAStringOtherThanTheTime() {
    assertThat(errors(serving().insertAfter(45, "  id: ts")),
        contains("bad.yaml:46:7: serving id column 'ts' is timestamp; it must be string (it gets a generated id)",
            "bad.yaml:46:7: column 'ts' is both the request time and the serving id"));
  }

  @Test
  void timeColumnCannotBeDerived() {
    assertThat(errors(serving().change(47, "note:", "ts:")),
        contains("bad.yaml:47:5: column 'ts' is the request time; it cannot be derived"));
  }

  @Test
  void keyCannotBeDerived() {
    assertThat(errors(serving().change(47, "note:", "id:")),
        contains("bad.yaml:47:5: column 'id' is the serving id; it cannot be derived"));
    assertThat(errors(serving().change(47, "note:", "id:").insertAfter(45, "  id: note")),
        contains("bad.yaml:48:5: column 'id' is the request table's key; it cannot be derived"));
  }

  @Test
  void derivedValueOfAnotherType() {
    assertThat(errors(serving().change(47, "\"concat(user, '/', string(amount))\"", "amount")),
        contains("bad.yaml:47:11: type mismatch: serving column 'note' is int but the column is string"));
  }

  @Test
  void derivedColumnReadsOneDerivedLater() {
    assertThat(errors(serving().change(47, "string(amount)", "tag")),
        contains("bad.yaml:47:30: column 'tag' is not set yet: serving columns are derived in the order written"));
  }

  @Test
  void windowFunctionInDerivedColumn() {
    assertThat(errors(serving().change(47, "string(amount)", "string(count(amount) over last10)")),
        contains("bad.yaml:47:37: window function count() is not allowed in serving columns"));
  }

  @Test
  void zeroOrNegativeRecallNumbers() {
    assertThat(errors(serving().change(50, "limit: 5", "limit: 0").change(51, "days: 7", "days: -7")),
        contains("bad.yaml:50:21: limit must be at least 1, got 0", "bad.yaml:51:21: days must be at least 1, got -7"));
  }

  @Test
  void recentWithoutAWindowOverTheUsersPastRequests() {
    assertThat(errors(serving().change(44, "user: user", "user: amount").change(45, "item: amount", "item: user")),
        contains("bad.yaml:50:5: recall recent needs a window over past requests partitioned by 'amount'"
            + " (no window keeps the user's past requests)"));
  }

  @Test
  void filterThatIsNotBool() {
    assertThat(errors(serving().change(52, "total10 > 0", "total10")),
        contains("bad.yaml:52:13: type mismatch: a filter must be bool, not bigint"));
  }

  @Test
  void filterReadsAnUnknownFeature() {
    assertThat(errors(serving().change(52, "total10 > 0", "totl10 > 0")),
        contains("bad.yaml:52:14: unknown feature 'totl10' in serving filters"));
  }
}
