package io.cslake.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percent_rank;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link Ranks} against Spark's own window functions over whole groups (the single-partition
 * windows it replaces), on drawn rows with ties, nulls, one-row and one-value groups, and on as
 * many rows as shuffle partitions are exceeded so that several ranges are cut.
 */
class RanksTest extends SparkTestBase {
  private static final StructType ROWS =
      new StructType()
          .add("g", DataTypes.StringType)
          .add("k", DataTypes.DoubleType)
          .add("v", DataTypes.LongType);

  @Test
  void percentRankEqualsSparksPercentRankPerGroup() {
    for (long seed = 1; seed <= 2; seed++) {
      Dataset<Row> rows = drawn(seed);
      Map<String, Double> expected =
          byRow(
              rows.withColumn(
                  "p",
                  org.apache.spark.sql.functions.when(
                      col("k").isNotNull(),
                      percent_rank().over(Window.partitionBy(col("g")).orderBy(col("k"))))));
      Map<String, Double> actual = byRow(Ranks.percentRank(rows, List.of("g"), "k", "p"));
      assertThat(actual).as("seed %d", seed).isEqualTo(expected);
    }
  }

  @Test
  void percentRankOfTheWholeTableWithoutGroups() {
    Dataset<Row> rows = drawn(9);
    Map<String, Double> expected =
        byRow(
            rows.withColumn(
                "p",
                org.apache.spark.sql.functions.when(
                    col("k").isNotNull(), percent_rank().over(Window.orderBy(col("k"))))));
    assertThat(byRow(Ranks.percentRank(rows, List.of(), "k", "p"))).isEqualTo(expected);
  }

  @Test
  void noRowsOrOnlyNullKeysGiveNoCutPointAndStillRank() {
    Dataset<Row> none = drawn(3).limit(0);
    assertThat(Ranks.percentRank(none, List.of("g"), "k", "p").collectAsList()).isEmpty();
    assertThat(Ranks.sumBefore(none, List.of(), "k", col("v"), "s", "b").collectAsList()).isEmpty();
    Dataset<Row> nullKeys = drawn(3).withColumn("k", lit(null).cast(DataTypes.DoubleType));
    Map<String, Double> ranks = byRow(Ranks.percentRank(nullKeys, List.of("g"), "k", "p"));
    assertThat(ranks)
        .isNotEmpty()
        .containsOnlyKeys(byRow(nullKeys.withColumn("p", lit(0.0))).keySet());
    assertThat(ranks.values()).containsOnlyNulls();
    Dataset<Row> oneValue = drawn(3).withColumn("k", lit(2.5));
    assertThat(byRow(Ranks.percentRank(oneValue, List.of(), "k", "p")).values())
        .isNotEmpty()
        .containsOnly(0.0);
  }

  @Test
  void sumBeforeEqualsARunningSumOverDistinctKeys() {
    for (long seed = 5; seed <= 6; seed++) {
      Dataset<Row> perKey = drawn(seed).groupBy("g", "k").agg(sum(col("v")).as("v"));
      Map<String, Object> expected = new HashMap<>();
      for (Row r :
          perKey
              .withColumn(
                  "below",
                  coalesce(
                      sum(col("v"))
                          .over(
                              Window.partitionBy(col("g"))
                                  .orderBy(col("k"))
                                  .rowsBetween(Window.unboundedPreceding(), -1)),
                      lit(0L)))
              .collectAsList()) {
        expected.put(r.getString(0) + "|" + r.get(1), r.getLong(3));
      }
      Map<String, Object> actual = new HashMap<>();
      for (Row r :
          Ranks.sumBefore(perKey, List.of("g"), "k", col("v"), "v_sum", "below").collectAsList()) {
        actual.put(r.getString(0) + "|" + r.get(1), r.getLong(3));
      }
      assertThat(actual).as("seed %d", seed).isEqualTo(expected).hasSize(expected.size());
    }
  }

  /**
   * Rows in groups of drawn sizes (0 to 300 rows, one group of a single row, one where every key is
   * equal), keys drawn from few values (ties) with nulls, and a row id in v.
   */
  private static Dataset<Row> drawn(long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    long id = 0;
    for (int g = 0; g < 6; g++) {
      int n = g == 0 ? 1 : random.nextInt(300);
      int distinct = 1 + random.nextInt(g == 1 ? 1 : 60);
      for (int i = 0; i < n; i++) {
        Double k = random.nextInt(10) == 0 ? null : (double) random.nextInt(distinct) * 1.5 - 20.0;
        rows.add(RowFactory.create("g" + g, k, id++));
      }
    }
    return spark.createDataFrame(rows, ROWS).repartition(3);
  }

  private static Map<String, Double> byRow(Dataset<Row> rows) {
    Map<String, Double> out = new HashMap<>();
    for (Row r : rows.select("v", "p").collectAsList()) {
      out.put(String.valueOf(r.getLong(0)), r.isNullAt(1) ? null : r.getDouble(1));
    }
    return out;
  }
}
