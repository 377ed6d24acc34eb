package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


/** The JD spec on the real sample, Direct runner, through Parquet in and out. */
class JdSampleFeaturesTest {
  static FeatureSpec spec;
  static List<GenericRecord> rows;

  @BeforeAll
  static void runPipeline() throws Exception {
    spec = JdSampleRun.spec();
    rows = JdSampleRun.rows();
  }

  @Test
  void writesOneRowPerRequestWithTheFortyTwoColumnsInOrder() {
    assertThat(rows.size(), is(JdSample.REQUESTS));
    List<String> names = rows.get(0).getSchema().getFields().stream().map(Schema.Field::name).toList();
    assertThat(names, equalTo(spec.features().stream().map(FeatureDef::name).toList()));
    assertThat(names.size(), is(42));
    assertThat(rows.stream().map(r -> r.get("reqId_1").toString()).collect(Collectors.toSet()).size(), is(JdSample.REQUESTS));
  }

  @Test
  void parquetTypesMatchTheSql() {
    Schema s = rows.get(0).getSchema();
    assertThat(physical(s, "flattenRequest_eventTime_original_0"), is("long/timestamp-millis"));
    assertThat(physical(s, "bo_user_ingestionTime_multi_direct_10"), is("long/timestamp-millis"));
    assertThat(physical(s, "bo_comment_bad_comment_rate_multi_max_13"), is("float"));
    assertThat(physical(s, "bo_comment_bad_comment_rate_multi_min_15"), is("float"));
    assertThat(physical(s, "flattenRequest_pair_id_window_top1_ratio_28"), is("double"));
    assertThat(physical(s, "flattenRequest_pair_id_window_unique_count_27"), is("long"));
    assertThat(physical(s, "flattenRequest_eventTime_dayofweek_41"), is("int"));
    assertThat(physical(s, "action_actionValue_multi_direct_2"), is("int"));
    assertThat(physical(s, "bo_action_type_multi_top3frequency_42"), is("string"));
  }

  /**
   * OpenMLDB's demo preprocessing printed, for this very sample, the number of distinct values
   * (NULL counted as one) of each model input column. The output must give the same figures.
   */
  @Test
  void distinctCountsMatchTheFiguresOpenMldbPublished() {
    List<String> continuous = List.of(
        "flattenRequest_pair_id_window_unique_count_27", "flattenRequest_pair_id_window_top1_ratio_28",
        "flattenRequest_pair_id_window_top1_ratio_29", "flattenRequest_pair_id_window_unique_count_32",
        "flattenRequest_pair_id_window_count_35", "bo_comment_bad_comment_rate_multi_max_13",
        "bo_comment_bad_comment_rate_multi_min_14", "bo_comment_bad_comment_rate_multi_min_15",
        "bo_comment_comment_num_multi_unique_count_22", "bo_comment_has_bad_comment_multi_unique_count_23",
        "bo_action_model_id_multi_unique_count_19", "bo_action_model_id_multi_unique_count_20",
        "bo_action_type_multi_unique_count_21");
    assertThat(distinctCounts(continuous), contains(4, 26, 16, 4, 11, 809, 1, 1, 5, 3, 17, 16, 7));

    List<String> categorical = List.of(
        "reqId_1", "flattenRequest_eventTime_original_0", "flattenRequest_reqId_original_1",
        "flattenRequest_pair_id_original_24", "flattenRequest_sku_id_original_25",
        "flattenRequest_user_id_original_26", "flattenRequest_eventTime_dayofweek_41",
        "flattenRequest_eventTime_isweekday_43", "reqId_3", "bo_product_a1_multi_direct_3",
        "bo_product_a2_multi_direct_4", "bo_product_a3_multi_direct_5", "bo_product_br_multi_direct_6",
        "bo_product_cate_multi_direct_7", "bo_product_ingestionTime_multi_direct_8", "bo_user_age_multi_direct_9",
        "bo_user_ingestionTime_multi_direct_10", "bo_user_sex_multi_direct_11", "bo_user_user_lv_cd_multi_direct_12",
        "reqId_14", "bo_comment_has_bad_comment_multi_top3frequency_30",
        "bo_comment_comment_num_multi_top3frequency_33", "reqId_17", "bo_action_br_multi_top3frequency_16",
        "bo_action_cate_multi_top3frequency_17", "bo_action_model_id_multi_top3frequency_18",
        "bo_action_type_multi_top3frequency_40", "bo_action_type_multi_top3frequency_42");
    assertThat(distinctCounts(categorical), contains(13916, 13890, 13916, 10000, 3674, 9119, 7, 2, 13916, 5, 4, 4,
        33, 2, 2, 7, 2580, 3, 5, 13916, 10, 47, 13916, 365, 17, 132, 32, 37));
  }

  private List<Integer> distinctCounts(List<String> columns) {
    List<Integer> counts = new ArrayList<>();
    for (String c : columns) {
      Set<Object> values = new HashSet<>();
      for (GenericRecord r : rows) {
        Object v = r.get(c);
        values.add(v == null ? null : v.toString()); // NULL is one value
      }
      counts.add(values.size());
    }
    return counts;
  }

  private static String physical(Schema record, String field) {
    Schema s = record.getField(field).schema().getTypes().stream()
        .filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    return s.getType().getName() + (s.getLogicalType() == null ? "" : "/" + s.getLogicalType().getName());
  }
}
