package dev.tandem.spec.eval;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.expr.EvalContext;
import dev.tandem.spec.expr.Expr;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The spec's {@code serving} section, compiled: how a live request (a user, candidate items, a
 * time) becomes request rows, where candidates come from when the caller gives none, and which
 * scored rows may be shown. Immutable; {@link FeatureSpec#serving()}.
 *
 * <pre>{@code
 * ServingPlan serving = spec.serving();
 * Object[] request = serving.requestRow("u1", "s2", Instant.now(), "r1", Map.of());
 * Object[] features = spec.plan().evaluate(request, Long.MAX_VALUE, lookup);
 * boolean shown = serving.keep(features);
 * }</pre>
 */
public final class ServingPlan {
  /** A request column computed from the row built so far. */
  public record Derived(int index, Expr expr) {}

  private final TableDef request;
  private final String user;
  private final String item;
  private final String id;
  /** The user, item, time and id columns: set from the request itself, never given. */
  private final Set<String> fromRequest;
  private final List<Derived> derived;
  private final List<Expr> filters;
  private final int recentLimit;
  private final int popularDays;
  private final int popularLimit;
  private final StatePlan.Store recentStore;

  public ServingPlan(TableDef request, String user, String item, String id, List<Derived> derived, List<Expr> filters,
      int recentLimit, int popularDays, int popularLimit, StatePlan state) {
    this.request = request;
    this.user = user;
    this.item = item;
    this.id = id;
    this.fromRequest = Set.of(user, item, request.time(), id);
    this.derived = List.copyOf(derived);
    this.filters = List.copyOf(filters);
    this.recentLimit = recentLimit;
    this.popularDays = popularDays;
    this.popularLimit = popularLimit;
    this.recentStore = state.store(request.name(), user);
  }

  /** The request column that holds the user. */
  public String userColumn() {
    return user;
  }

  /** The request column that holds the (candidate) item. */
  public String itemColumn() {
    return item;
  }

  /** The request column that gets a generated unique id per row (by default the request table's key). */
  public String idColumn() {
    return id;
  }

  public Type userType() {
    return request.typeOf(user);
  }

  public Type itemType() {
    return request.typeOf(item);
  }

  /**
   * One request row: user, item, time (the request table's time column: a timestamp, or epoch
   * milliseconds for bigint) and id, then {@code given} values (already of their columns' types),
   * then each derived column the caller did not give, in the order written. Other columns are NULL.
   *
   * @throws IllegalArgumentException when {@code given} names an unknown column or the user,
   *     item, time or id column (those come from the request itself)
   */
  public Object[] requestRow(Object user, Object item, Instant time, String requestId, Map<String, Object> given) {
    Objects.requireNonNull(time, "a request needs a time");
    Object[] row = new Object[request.columns().size()];
    row[request.indexOf(this.user)] = user;
    row[request.indexOf(this.item)] = item;
    Instant millis = time.truncatedTo(ChronoUnit.MILLIS); // times are milliseconds everywhere
    row[request.indexOf(request.time())] = request.typeOf(request.time()) == Type.TIMESTAMP ? millis : millis.toEpochMilli();
    row[request.indexOf(id)] = requestId;
    for (Map.Entry<String, Object> g : given.entrySet()) {
      String column = g.getKey();
      if (request.indexOf(column) < 0) {
        throw new IllegalArgumentException("unknown column '" + column + "' in request table '" + request.name() + "'");
      }
      if (fromRequest.contains(column)) {
        throw new IllegalArgumentException("column '" + column + "' is set from the request itself; it cannot be given");
      }
      row[request.indexOf(column)] = g.getValue();
    }
    EvalContext ctx = new EvalContext();
    ctx.request = row; // a derived expression reads the row as built so far
    for (Derived d : derived) {
      if (!given.containsKey(request.columns().get(d.index()).name())) {
        row[d.index()] = d.expr().eval(ctx);
      }
    }
    return row;
  }

  /** How many of the user's recent items are candidates; 0 when {@code recall.recent} is absent. */
  public int recentLimit() {
    return recentLimit;
  }

  /** The store of past request rows by user, whose rows {@link #recentItems} reads (null when no window keeps them). */
  public StatePlan.Store recentStore() {
    return recentStore;
  }

  /**
   * The distinct non-NULL items of a user's stored request rows, newest first (by the request
   * table's time, then ingestion sequence), at most {@code limit}.
   */
  public List<Object> recentItems(List<IngestedRow> userRows, int limit) {
    int timeIndex = request.indexOf(request.time());
    Type timeType = request.typeOf(request.time());
    Comparator<IngestedRow> oldestFirst = Comparator.<IngestedRow, Object>comparing(r -> r.values()[timeIndex],
        (a, b) -> Values.compareNullsFirst(timeType, a, b)).thenComparingLong(IngestedRow::sequence);
    List<IngestedRow> rows = new ArrayList<>(userRows);
    rows.sort(oldestFirst.reversed());
    int itemIndex = request.indexOf(item);
    Set<Object> seen = new HashSet<>();
    List<Object> items = new ArrayList<>();
    for (IngestedRow r : rows) {
      if (items.size() >= limit) {
        break;
      }
      Object value = r.values()[itemIndex];
      if (value != null && seen.add(Values.groupingKey(value))) {
        items.add(value);
      }
    }
    return items;
  }

  /** Over how many days {@code recall.popular} counts requested items; 0 when absent. */
  public int popularDays() {
    return popularDays;
  }

  /** How many popular items are candidates; 0 when {@code recall.popular} is absent. */
  public int popularLimit() {
    return popularLimit;
  }

  /** True when every filter is true for this feature row (NULL counts as false). */
  public boolean keep(Object[] featureRow) {
    EvalContext ctx = new EvalContext();
    ctx.request = featureRow; // filters are compiled over the feature row in the request row's place
    for (Expr f : filters) {
      if (!Boolean.TRUE.equals(f.eval(ctx))) {
        return false;
      }
    }
    return true;
  }
}
