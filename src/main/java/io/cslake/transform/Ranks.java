package io.cslake.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * Running sums and percent ranks over ordered values, computed without a window that puts a whole
 * group on one partition.
 *
 * <p>Why not {@code sum(...).over(Window.orderBy(key))} or {@code percent_rank()}: a window whose
 * partition is the whole table (or one as-of date of it) sorts every row in one task, which grows
 * with accounts (Spark warns "No Partition Defined for Window operation"). Here the ordered values
 * are cut into ranges at approximate quantiles (only the cut points reach the driver: one per
 * shuffle partition); the running sum inside a range is a window partitioned by range, and the sums
 * of the ranges before it come from one small window over one row per range. The cut points only
 * balance the work: the result is exact whatever they are, because a value and everything equal to
 * it always fall in the same range and the ranges are ordered like their values.
 */
public final class Ranks {
  private static final String BUCKET = "_rank_bucket";
  private static final String VALUE = "_rank_value";
  private static final String IN_BUCKET = "_rank_in_bucket";
  private static final String BEFORE_BUCKET = "_rank_before_bucket";
  private static final String ALL = "_rank_all";

  private Ranks() {}

  /**
   * One row per distinct {@code (groups, key)} with {@code out}: the sum of {@code value} over the
   * rows of the same group whose key sorts strictly before it (ascending, nulls first, NaN last:
   * Spark's order). The key must be numeric.
   *
   * @param rows the rows
   * @param groups the group columns (may be empty: the whole table is one group)
   * @param key the ordering column
   * @param value the summed column (numeric)
   * @param summed the name of {@code value} summed per key
   * @param out the name of the result column (long for integral values, else double)
   * @return the group columns, the key, {@code summed} and {@code out}
   */
  public static Dataset<Row> sumBefore(
      Dataset<Row> rows, List<String> groups, String key, Column value, String summed, String out) {
    List<Column> groupKey = new ArrayList<>(columns(groups));
    groupKey.add(col(key));
    Dataset<Row> perKey = rows.groupBy(groupKey.toArray(Column[]::new)).agg(sum(value).as(VALUE));
    Dataset<Row> bucketed = bucket(perKey, key, rows.sparkSession().sessionState().conf());

    List<Column> byGroup = new ArrayList<>(columns(groups));
    if (byGroup.isEmpty()) {
      bucketed = bucketed.withColumn(ALL, lit(0));
      byGroup.add(col(ALL));
    }
    List<Column> byBucket = new ArrayList<>(byGroup);
    byBucket.add(col(BUCKET));
    Column inBucket =
        coalesce(
            sum(col(VALUE))
                .over(
                    Window.partitionBy(byBucket.toArray(Column[]::new))
                        .orderBy(col(key))
                        .rowsBetween(Window.unboundedPreceding(), -1)),
            lit(0));
    Dataset<Row> within = bucketed.withColumn(IN_BUCKET, inBucket);

    // One row per (group, bucket): bounded by the number of cut points, whatever the rows.
    List<String> bucketKey = new ArrayList<>(groups);
    if (groups.isEmpty()) {
      bucketKey.add(ALL);
    }
    bucketKey.add(BUCKET);
    Dataset<Row> totals =
        bucketed
            .groupBy(byBucket.toArray(Column[]::new))
            .agg(sum(col(VALUE)).as("_rank_bucket_total"));
    Dataset<Row> before =
        totals.withColumn(
            BEFORE_BUCKET,
            coalesce(
                sum(col("_rank_bucket_total"))
                    .over(
                        Window.partitionBy(byGroup.toArray(Column[]::new))
                            .orderBy(col(BUCKET))
                            .rowsBetween(Window.unboundedPreceding(), -1)),
                lit(0)));
    Dataset<Row> joined =
        Columns.join(
            within,
            org.apache.spark.sql.functions.broadcast(before.drop("_rank_bucket_total")),
            "left",
            bucketKey.toArray(String[]::new));
    List<Column> result = new ArrayList<>(columns(groups));
    result.add(col(key));
    result.add(col(VALUE).as(summed));
    result.add(col(IN_BUCKET).plus(coalesce(col(BEFORE_BUCKET), lit(0))).as(out));
    return joined.select(result.toArray(Column[]::new));
  }

  /**
   * {@code rows} with {@code out}: Spark's {@code percent_rank()} of {@code key} within {@code
   * groups} ((rows with a smaller key) / (rows in the group − 1); 0 in a group of one row; nulls
   * sort first and are counted), null where the key is null.
   */
  public static Dataset<Row> percentRank(
      Dataset<Row> rows, List<String> groups, String key, String out) {
    Dataset<Row> below = sumBefore(rows, groups, key, lit(1L), "_rank_n", "_rank_below");
    // Group sizes from the per-key counts already computed, not from another pass over the rows.
    Dataset<Row> sizes =
        below
            .groupBy(columns(groups).toArray(Column[]::new))
            .agg(sum(col("_rank_n")).as("_rank_size"));
    Dataset<Row> ranks =
        (groups.isEmpty()
                ? below.crossJoin(sizes)
                : Columns.join(below, sizes, "inner", names(groups)))
            .filter(col(key).isNotNull())
            .select(
                concat(
                    columns(groups),
                    col(key).as("_rank_key"),
                    when(
                            col("_rank_size").gt(1),
                            col("_rank_below")
                                .cast(DataTypes.DoubleType)
                                .divide(col("_rank_size").minus(1)))
                        .otherwise(lit(0.0))
                        .as(out)));
    Column on = col(key).equalTo(col("_rank_key"));
    Dataset<Row> left = rows.as("_rank_l");
    Dataset<Row> right = ranks.as("_rank_r");
    for (String g : groups) {
      on = on.and(col("_rank_l." + g).equalTo(col("_rank_r." + g)));
    }
    List<Column> keep = new ArrayList<>();
    for (String c : rows.columns()) {
      keep.add(col("_rank_l." + c));
    }
    keep.add(col("_rank_r." + out));
    return left.join(right, on, "left").select(keep.toArray(Column[]::new));
  }

  /**
   * {@code rows} with {@link #BUCKET}: the index of the range its key falls in, ranges cut at
   * approximate quantiles of the key, one range per shuffle partition. Nulls go to the first range.
   */
  private static Dataset<Row> bucket(
      Dataset<Row> rows, String key, org.apache.spark.sql.internal.SQLConf conf) {
    int ranges = Math.max(1, conf.numShufflePartitions());
    double[] probabilities =
        IntStream.range(1, ranges).mapToDouble(i -> (double) i / ranges).toArray();
    Column asDouble = col(key).cast(DataTypes.DoubleType);
    double[] cuts =
        probabilities.length == 0
            ? new double[0]
            : rows.select(asDouble.as("_rank_d"))
                .filter(col("_rank_d").isNotNull())
                .stat()
                .approxQuantile("_rank_d", probabilities, 0.001);
    double[] splits =
        DoubleStream.concat(
                DoubleStream.concat(
                    DoubleStream.of(Double.NEGATIVE_INFINITY),
                    Arrays.stream(cuts).filter(c -> !Double.isNaN(c) && !Double.isInfinite(c))),
                DoubleStream.of(Double.POSITIVE_INFINITY))
            .distinct()
            .sorted()
            .toArray();
    if (splits.length < 3) {
      // No cut point (no rows, or only null keys): one range. Bucketizer needs two at least.
      return rows.withColumn(BUCKET, lit(0.0));
    }
    Dataset<Row> withInput =
        rows.withColumn("_rank_in", coalesce(asDouble, lit(Double.NEGATIVE_INFINITY)));
    return new Bucketizer()
        .setInputCol("_rank_in")
        .setOutputCol(BUCKET)
        .setSplits(splits)
        .setHandleInvalid("keep")
        .transform(withInput)
        .drop("_rank_in");
  }

  private static List<Column> columns(List<String> names) {
    return names.stream().map(org.apache.spark.sql.functions::col).toList();
  }

  private static String[] names(List<String> names) {
    return names.toArray(String[]::new);
  }

  private static Column[] concat(List<Column> first, Column... rest) {
    List<Column> all = new ArrayList<>(first);
    all.addAll(List.of(rest));
    return all.toArray(Column[]::new);
  }
}
