package io.cslake.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Segment tagging shared by the per-segment tables: each row once in its segment, once in ALL. */
public final class Segments {
  public static final String ACCOUNT_ID = "account_id";
  public static final String SEGMENT = "segment";

  /** The segment value of company-wide rows. */
  public static final String ALL = "ALL";

  /** The segment of accounts whose segment is null. */
  public static final String UNKNOWN = "unknown";

  private Segments() {}

  /** account_id and segment of silver accounts; a null segment is {@value #UNKNOWN}. */
  public static Dataset<Row> of(Dataset<Row> accounts) {
    return accounts.select(
        col(ACCOUNT_ID).as("_segment_account"), coalesce(col(SEGMENT), lit(UNKNOWN)).as(SEGMENT));
  }

  /** {@code rows} (which have an account_id) with the account's segment. */
  public static Dataset<Row> tag(Dataset<Row> rows, Dataset<Row> segments) {
    return rows.join(segments, col(ACCOUNT_ID).equalTo(col("_segment_account")), "left")
        .drop("_segment_account")
        .withColumn(SEGMENT, coalesce(col(SEGMENT), lit(UNKNOWN)));
  }

  /** Every row of {@code tagged} twice: in its segment and in {@value #ALL}. */
  public static Dataset<Row> withAll(Dataset<Row> tagged) {
    return tagged.unionByName(tagged.withColumn(SEGMENT, lit(ALL)));
  }

  /**
   * {@code tagged} (rows with a segment) aggregated per {@code keys} and segment, and per {@code
   * keys} over every segment with the segment {@value #ALL}: one pass (a rollup), where {@link
   * #withAll} reads its input twice. The aggregates see each row once per group, so distinct counts
   * belong before (one row per account and key, then {@code count}).
   *
   * @return the keys, {@value #SEGMENT}, then the aggregates
   */
  public static Dataset<Row> aggregateWithAll(
      Dataset<Row> tagged, List<String> keys, Column first, Column... rest) {
    String key = "_segments_key";
    Column keyStruct = struct(keys.stream().map(k -> col(k)).toArray(Column[]::new)).as(key);
    Dataset<Row> rolled =
        tagged.rollup(keyStruct, col(SEGMENT)).agg(first, rest).filter(col(key).isNotNull());
    List<Column> out = new ArrayList<>();
    keys.forEach(k -> out.add(col(key).getField(k).as(k)));
    out.add(coalesce(col(SEGMENT), lit(ALL)).as(SEGMENT));
    Arrays.stream(rolled.columns()).skip(2).forEach(c -> out.add(col(c)));
    return rolled.select(out.toArray(Column[]::new));
  }
}
