-- The 42 JD feature columns (../shared/reference/jd-features.openmldb.sql, as translated by
-- feature-spec/specs/jd.yaml), written by hand in DuckDB SQL: a peer implementation to check
-- Tandem's output against and to time against.
--
-- {{DATA}} is replaced by the data folder (DIR/<table>/*.parquet). Run with SET TimeZone='UTC'.
--
-- Tandem's rules reproduced here (README "Tie rule", "Last joins", functions):
--  * Times are compared in epoch milliseconds (Tandem converts every Instant with toEpochMilli).
--  * Ingestion sequence = position of the row in its table's files (files in name order, then
--    row index within the file): (file_index, file_row_number); DuckDB numbers files in
--    sorted name order.
--  * Total order of a partition: time, then (union windows) the request after union rows at
--    equal time, then ingestion sequence. A request's window holds only rows at or before it.
--  * ROWS n: current row + n before. Range D: rows with time in [t - D, t]. MAXSIZE m: the m
--    most recent rows, the current one included.
--  * Union windows (INSTANCE_NOT_IN_WINDOW): the request's projection + the union table's rows
--    of the same key at or before it; no other requests.
--  * NULL keys match nothing; a NULL time cannot be placed: such a request's window is itself
--    (its projection), such an event row is in no window.
--
-- Every window is evaluated the same way: one window pass over the partition's rows (union
-- rows and requests together for union windows) numbers each key's rows 1, 2, ... in the
-- total order (urn) and gives each request the urn of the newest row at or before it (hi).
-- A request's window with MAXSIZE m is then the urns [max(1, hi - (m - 1)), hi] of its key,
-- filtered by time: the interval is expanded with generate_series and equi-joined on
-- (key, urn) (no range join, no quadratic blow-up on hot keys), and the members are
-- aggregated per (request, value). topn_frequency ranks values with row_number() and picks
-- the first three slots.
WITH
req AS MATERIALIZED (
  -- rid: the ingestion sequence (file in name order, row in file); file_index follows the
  -- sorted file names.
  SELECT CAST(file_index AS BIGINT) * 4294967296 + file_row_number AS rid,
         reqId,
         CAST(eventTime AS TIMESTAMP) AS eventTime,
         pair_id, user_id, sku_id,
         epoch_ms(CAST(eventTime AS TIMESTAMP)) AS t
  FROM read_parquet('{{DATA}}/flattenRequest_clean/*.parquet', file_row_number = true)
),

------------------------------------------------------------------------------------------
-- Request windows by user_id: user_rows_10 (ROWS 10) and user_14d (14d MAXSIZE 200).
------------------------------------------------------------------------------------------
u_pos AS MATERIALIZED (
  SELECT rid, user_id, pair_id, t,
         row_number() OVER (PARTITION BY user_id ORDER BY t, rid) AS urn
  FROM req
  WHERE user_id IS NOT NULL AND t IS NOT NULL
),
u_mem AS (
  SELECT s.rid, s.cur_pair, m.pair_id,
         m.urn >= s.urn - 10 AS in10,                                -- ROWS 10
         m.t >= s.t - 1209600000 AS in14                             -- 14 d
  FROM (SELECT rid, user_id, urn, t, pair_id AS cur_pair,
               unnest(generate_series(greatest(1, urn - 199), urn)) AS mu   -- MAXSIZE 200
        FROM u_pos) s
  JOIN u_pos m ON m.user_id = s.user_id AND m.urn = s.mu
  UNION ALL
  -- NULL key or NULL time: the window is the request alone
  SELECT rid, pair_id, pair_id, true, true FROM req WHERE user_id IS NULL OR t IS NULL
),
u_cnt AS (
  SELECT rid, pair_id, any_value(cur_pair) AS cur_pair,
         count(*) FILTER (WHERE in10) AS c10,
         count(*) FILTER (WHERE in14) AS c14
  FROM u_mem
  WHERE in10 OR in14
  GROUP BY rid, pair_id
),
u_feat AS (
  SELECT rid,
         count(*) FILTER (WHERE c10 > 0) AS dc10,
         count(*) FILTER (WHERE c14 > 0) AS dc14,
         coalesce(CAST(max(c10) FILTER (WHERE pair_id IS NOT NULL) AS DOUBLE)
                  / CAST(nullif(sum(c10) FILTER (WHERE pair_id IS NOT NULL), 0) AS DOUBLE), 0.0) AS top1_10,
         coalesce(CAST(max(c14) FILTER (WHERE pair_id IS NOT NULL) AS DOUBLE)
                  / CAST(nullif(sum(c14) FILTER (WHERE pair_id IS NOT NULL), 0) AS DOUBLE), 0.0) AS top1_14,
         CASE WHEN any_value(cur_pair) IS NULL THEN NULL
              ELSE CAST(coalesce(sum(c10) FILTER (WHERE pair_id = cur_pair), 0) AS BIGINT) END AS cnt35
  FROM u_cnt
  GROUP BY rid
),

------------------------------------------------------------------------------------------
-- Union windows over bo_comment by sku_id: comment_64d (64d MAXSIZE 100), comment_rows_10.
-- The request's projection: comment_num 0, has_bad_comment '', bad_comment_rate 0.0.
------------------------------------------------------------------------------------------
c_all AS MATERIALIZED (
  -- n: for a comment row its urn; for a request, hi (0: no comment row at or before it).
  -- At equal time the request (src 1) comes after the comment rows.
  SELECT src, k, t, rid, comment_num, has_bad_comment, bad_comment_rate,
         count(CASE WHEN src = 0 THEN 1 END) OVER (PARTITION BY k ORDER BY t, src, rid
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
  FROM (SELECT 0 AS src, sku_id AS k, epoch_ms(CAST(ingestionTime AS TIMESTAMP)) AS t,
               CAST(file_index AS BIGINT) * 4294967296 + file_row_number AS rid,
               comment_num, has_bad_comment, bad_comment_rate
        FROM read_parquet('{{DATA}}/bo_comment/*.parquet', file_row_number = true)
        WHERE sku_id IS NOT NULL AND ingestionTime IS NOT NULL
        UNION ALL
        SELECT 1, sku_id, t, rid, NULL, NULL, NULL
        FROM req
        WHERE sku_id IS NOT NULL AND t IS NOT NULL)
),
c_rows AS MATERIALIZED (
  SELECT k, n AS urn, t, comment_num, has_bad_comment, bad_comment_rate FROM c_all WHERE src = 0
),
c_mem AS MATERIALIZED (
  SELECT x.rid,
         m.urn > x.hi - 10 AS in10,                                 -- ROWS 10: 10 union rows
         m.t >= x.t - 5529600000 AS in64,                           -- 64 d
         m.urn AS pos,                                              -- larger = more recent
         m.comment_num, m.has_bad_comment, m.bad_comment_rate
  FROM (SELECT rid, k, t, n AS hi,
               unnest(generate_series(greatest(1, n - 98), n)) AS mu   -- 99 union rows + the request
        FROM c_all WHERE src = 1 AND n > 0) x
  JOIN c_rows m ON m.k = x.k AND m.urn = x.mu
  WHERE m.urn > x.hi - 10 OR m.t >= x.t - 5529600000
  UNION ALL
  SELECT rid, true, true, 9223372036854775807, 0, '', CAST(0.0 AS FLOAT) FROM req
),
c_rate AS (
  -- min/max compare -0.0 equal to 0.0 and keep the first (oldest) of equal values, as Tandem
  -- does; DuckDB's min/max/arg_min would not keep the sign, hence the explicit zero handling.
  SELECT rid,
         CASE WHEN max(bad_comment_rate) FILTER (WHERE in64) = 0
              THEN CASE WHEN arg_min(signbit(bad_comment_rate), pos) FILTER (WHERE in64 AND bad_comment_rate = 0)
                        THEN CAST('-0.0' AS FLOAT) ELSE CAST(0.0 AS FLOAT) END
              ELSE max(bad_comment_rate) FILTER (WHERE in64) END AS max13,
         CASE WHEN min(bad_comment_rate) FILTER (WHERE in10) = 0
              THEN CASE WHEN arg_min(signbit(bad_comment_rate), pos) FILTER (WHERE in10 AND bad_comment_rate = 0)
                        THEN CAST('-0.0' AS FLOAT) ELSE CAST(0.0 AS FLOAT) END
              ELSE min(bad_comment_rate) FILTER (WHERE in10) END AS min14,
         CASE WHEN min(bad_comment_rate) FILTER (WHERE in64) = 0
              THEN CASE WHEN arg_min(signbit(bad_comment_rate), pos) FILTER (WHERE in64 AND bad_comment_rate = 0)
                        THEN CAST('-0.0' AS FLOAT) ELSE CAST(0.0 AS FLOAT) END
              ELSE min(bad_comment_rate) FILTER (WHERE in64) END AS min15
  FROM c_mem
  GROUP BY rid
),
-- topn_frequency: non-NULL values by count desc, then value asc (NULL ranks last and never
-- fills a slot); slot i is the value ranked i, else the text NULL.
c_num AS (
  SELECT rid, v, row_number() OVER (PARTITION BY rid ORDER BY v IS NULL, c DESC, v) AS rn
  FROM (SELECT rid, comment_num AS v, count(*) AS c FROM c_mem WHERE in64 GROUP BY rid, comment_num)
),
c_num_f AS (
  SELECT rid, count(*) AS dc,
         concat_ws(',', coalesce(CAST(max(v) FILTER (WHERE rn = 1) AS VARCHAR), 'NULL'),
                        coalesce(CAST(max(v) FILTER (WHERE rn = 2) AS VARCHAR), 'NULL'),
                        coalesce(CAST(max(v) FILTER (WHERE rn = 3) AS VARCHAR), 'NULL')) AS top3
  FROM c_num GROUP BY rid
),
c_bad AS (
  SELECT rid, v, row_number() OVER (PARTITION BY rid ORDER BY v IS NULL, c DESC, v) AS rn
  FROM (SELECT rid, has_bad_comment AS v, count(*) AS c FROM c_mem WHERE in64 GROUP BY rid, has_bad_comment)
),
c_bad_f AS (
  SELECT rid, count(*) AS dc,
         concat_ws(',', coalesce(max(v) FILTER (WHERE rn = 1), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn = 2), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn = 3), 'NULL')) AS top3
  FROM c_bad GROUP BY rid
),

------------------------------------------------------------------------------------------
-- Union windows over bo_action by pair_id: action_10h, action_7d, action_14d, MAXSIZE 100
-- each. Each is a prefix (by recency) of the 14 d one, so one expansion serves all three.
-- The request's projection: model_id, type, cate, br all ''.
------------------------------------------------------------------------------------------
a_all AS MATERIALIZED (
  SELECT src, k, t, rid, model_id, "type", cate, br,
         count(CASE WHEN src = 0 THEN 1 END) OVER (PARTITION BY k ORDER BY t, src, rid
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
  FROM (SELECT 0 AS src, pair_id AS k, epoch_ms(CAST(ingestionTime AS TIMESTAMP)) AS t,
               CAST(file_index AS BIGINT) * 4294967296 + file_row_number AS rid,
               model_id, "type", cate, br
        FROM read_parquet('{{DATA}}/bo_action/*.parquet', file_row_number = true)
        WHERE pair_id IS NOT NULL AND ingestionTime IS NOT NULL
        UNION ALL
        SELECT 1, pair_id, t, rid, NULL, NULL, NULL, NULL
        FROM req
        WHERE pair_id IS NOT NULL AND t IS NOT NULL)
),
a_rows AS MATERIALIZED (
  SELECT k, n AS urn, t, model_id, "type", cate, br FROM a_all WHERE src = 0
),
a_mem AS MATERIALIZED (
  SELECT x.rid,
         m.t >= x.t - 36000000 AS in10h,                            -- 10 h
         m.t >= x.t - 604800000 AS in7d,                            -- 7 d
         m.model_id, m."type", m.cate, m.br
  FROM (SELECT rid, k, t, unnest(generate_series(greatest(1, n - 98), n)) AS mu
        FROM a_all WHERE src = 1 AND n > 0) x
  JOIN a_rows m ON m.k = x.k AND m.urn = x.mu
  WHERE m.t >= x.t - 1209600000                                     -- 14 d
  UNION ALL
  SELECT rid, true, true, '', '', '', '' FROM req
),
a_br AS (
  SELECT rid, v, row_number() OVER (PARTITION BY rid ORDER BY v IS NULL, c DESC, v) AS rn
  FROM (SELECT rid, br AS v, count(*) AS c FROM a_mem WHERE in10h GROUP BY rid, br)
),
a_br_f AS (
  SELECT rid,
         concat_ws(',', coalesce(max(v) FILTER (WHERE rn = 1), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn = 2), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn = 3), 'NULL')) AS top3
  FROM a_br GROUP BY rid
),
a_cate AS (
  SELECT rid, v, row_number() OVER (PARTITION BY rid ORDER BY v IS NULL, c DESC, v) AS rn
  FROM (SELECT rid, cate AS v, count(*) AS c FROM a_mem WHERE in10h GROUP BY rid, cate)
),
a_cate_f AS (
  SELECT rid,
         concat_ws(',', coalesce(max(v) FILTER (WHERE rn = 1), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn = 2), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn = 3), 'NULL')) AS top3
  FROM a_cate GROUP BY rid
),
a_model AS (
  SELECT rid, v, c7, c14,
         row_number() OVER (PARTITION BY rid ORDER BY v IS NULL OR c7 = 0, c7 DESC, v) AS rn7
  FROM (SELECT rid, model_id AS v, count(*) FILTER (WHERE in7d) AS c7, count(*) AS c14
        FROM a_mem GROUP BY rid, model_id)
),
a_model_f AS (
  SELECT rid,
         count(*) FILTER (WHERE c14 > 0) AS dc14,
         count(*) FILTER (WHERE c7 > 0) AS dc7,
         concat_ws(',', coalesce(max(v) FILTER (WHERE rn7 = 1 AND c7 > 0), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn7 = 2 AND c7 > 0), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn7 = 3 AND c7 > 0), 'NULL')) AS top3_7
  FROM a_model GROUP BY rid
),
a_type AS (
  SELECT rid, v, c7, c14,
         row_number() OVER (PARTITION BY rid ORDER BY v IS NULL OR c7 = 0, c7 DESC, v) AS rn7,
         row_number() OVER (PARTITION BY rid ORDER BY v IS NULL, c14 DESC, v) AS rn14
  FROM (SELECT rid, "type" AS v, count(*) FILTER (WHERE in7d) AS c7, count(*) AS c14
        FROM a_mem GROUP BY rid, "type")
),
a_type_f AS (
  SELECT rid,
         count(*) FILTER (WHERE c14 > 0) AS dc14,
         concat_ws(',', coalesce(max(v) FILTER (WHERE rn7 = 1 AND c7 > 0), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn7 = 2 AND c7 > 0), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn7 = 3 AND c7 > 0), 'NULL')) AS top3_7,
         concat_ws(',', coalesce(max(v) FILTER (WHERE rn14 = 1), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn14 = 2), 'NULL'),
                        coalesce(max(v) FILTER (WHERE rn14 = 3), 'NULL')) AS top3_14
  FROM a_type GROUP BY rid
),

------------------------------------------------------------------------------------------
-- LAST JOINs without ORDER BY in time: the row with the largest ingestionTime (NULL time
-- oldest), ties to the last ingested. No time filter.
------------------------------------------------------------------------------------------
j_action AS (
  SELECT reqId AS k, actionValue
  FROM read_parquet('{{DATA}}/action/*.parquet', file_row_number = true)
  WHERE reqId IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY reqId
      ORDER BY epoch_ms(CAST(ingestionTime AS TIMESTAMP)) DESC NULLS LAST, file_index DESC, file_row_number DESC) = 1
),
j_product AS (
  SELECT sku_id AS k, a1, a2, a3, br, cate, CAST(ingestionTime AS TIMESTAMP) AS ingestionTime
  FROM read_parquet('{{DATA}}/bo_product/*.parquet', file_row_number = true)
  WHERE sku_id IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY sku_id
      ORDER BY epoch_ms(CAST(ingestionTime AS TIMESTAMP)) DESC NULLS LAST, file_index DESC, file_row_number DESC) = 1
),
j_user AS (
  SELECT user_id AS k, age, sex, user_lv_cd, CAST(ingestionTime AS TIMESTAMP) AS ingestionTime
  FROM read_parquet('{{DATA}}/bo_user/*.parquet', file_row_number = true)
  WHERE user_id IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY user_id
      ORDER BY epoch_ms(CAST(ingestionTime AS TIMESTAMP)) DESC NULLS LAST, file_index DESC, file_row_number DESC) = 1
)

SELECT
  r.reqId AS reqId_1,
  r.eventTime AS flattenRequest_eventTime_original_0,
  r.reqId AS flattenRequest_reqId_original_1,
  r.pair_id AS flattenRequest_pair_id_original_24,
  r.sku_id AS flattenRequest_sku_id_original_25,
  r.user_id AS flattenRequest_user_id_original_26,
  u.dc10 AS flattenRequest_pair_id_window_unique_count_27,
  u.top1_10 AS flattenRequest_pair_id_window_top1_ratio_28,
  u.top1_14 AS flattenRequest_pair_id_window_top1_ratio_29,
  u.dc14 AS flattenRequest_pair_id_window_unique_count_32,
  u.cnt35 AS flattenRequest_pair_id_window_count_35,
  CAST(dayofweek(r.eventTime + INTERVAL 8 HOUR) + 1 AS INTEGER) AS flattenRequest_eventTime_dayofweek_41,
  CAST(CASE WHEN 1 < dayofweek(r.eventTime + INTERVAL 8 HOUR) + 1
             AND dayofweek(r.eventTime + INTERVAL 8 HOUR) + 1 < 7 THEN 1 ELSE 0 END AS INTEGER)
    AS flattenRequest_eventTime_isweekday_43,
  r.reqId AS reqId_3,
  ja.actionValue AS action_actionValue_multi_direct_2,
  jp.a1 AS bo_product_a1_multi_direct_3,
  jp.a2 AS bo_product_a2_multi_direct_4,
  jp.a3 AS bo_product_a3_multi_direct_5,
  jp.br AS bo_product_br_multi_direct_6,
  jp.cate AS bo_product_cate_multi_direct_7,
  jp.ingestionTime AS bo_product_ingestionTime_multi_direct_8,
  ju.age AS bo_user_age_multi_direct_9,
  ju.ingestionTime AS bo_user_ingestionTime_multi_direct_10,
  ju.sex AS bo_user_sex_multi_direct_11,
  ju.user_lv_cd AS bo_user_user_lv_cd_multi_direct_12,
  r.reqId AS reqId_14,
  cr.max13 AS bo_comment_bad_comment_rate_multi_max_13,
  cr.min14 AS bo_comment_bad_comment_rate_multi_min_14,
  cr.min15 AS bo_comment_bad_comment_rate_multi_min_15,
  cn.dc AS bo_comment_comment_num_multi_unique_count_22,
  cb.dc AS bo_comment_has_bad_comment_multi_unique_count_23,
  cb.top3 AS bo_comment_has_bad_comment_multi_top3frequency_30,
  cn.top3 AS bo_comment_comment_num_multi_top3frequency_33,
  r.reqId AS reqId_17,
  ab.top3 AS bo_action_br_multi_top3frequency_16,
  ac.top3 AS bo_action_cate_multi_top3frequency_17,
  am.top3_7 AS bo_action_model_id_multi_top3frequency_18,
  am.dc14 AS bo_action_model_id_multi_unique_count_19,
  am.dc7 AS bo_action_model_id_multi_unique_count_20,
  atp.dc14 AS bo_action_type_multi_unique_count_21,
  atp.top3_7 AS bo_action_type_multi_top3frequency_40,
  atp.top3_14 AS bo_action_type_multi_top3frequency_42
FROM req r
JOIN u_feat u ON u.rid = r.rid
JOIN c_rate cr ON cr.rid = r.rid
JOIN c_num_f cn ON cn.rid = r.rid
JOIN c_bad_f cb ON cb.rid = r.rid
JOIN a_br_f ab ON ab.rid = r.rid
JOIN a_cate_f ac ON ac.rid = r.rid
JOIN a_model_f am ON am.rid = r.rid
JOIN a_type_f atp ON atp.rid = r.rid
LEFT JOIN j_action ja ON ja.k = r.reqId
LEFT JOIN j_product jp ON jp.k = r.sku_id
LEFT JOIN j_user ju ON ju.k = r.user_id
