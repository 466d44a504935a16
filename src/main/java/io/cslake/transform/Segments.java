package io.cslake.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

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
}
