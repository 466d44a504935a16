package io.cslake.transform;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.make_ym_interval;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.when;

import java.sql.Date;
import java.time.LocalDate;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.JavaConverters;

/** Column helpers every transformation shares: month spines, safe division, key joins. */
public final class Columns {
  private Columns() {}

  /** The first day of {@code asOf}'s month, as a literal. */
  public static Column monthOf(LocalDate asOf) {
    return lit(Date.valueOf(asOf.withDayOfMonth(1)));
  }

  /**
   * Every first-of-month from {@code first} to {@code last} inclusive, as an array to explode. The
   * caller must keep only rows with {@code first <= last}: Spark rejects a descending sequence.
   */
  public static Column months(Column first, Column last) {
    return sequence(first, last, make_ym_interval(lit(0), lit(1)));
  }

  /** {@code numerator / denominator} as a double; null when the denominator is 0 or null. */
  public static Column ratio(Column numerator, Column denominator) {
    return when(
        denominator.isNotNull().and(denominator.notEqual(lit(0))),
        numerator.cast(DataTypes.DoubleType).divide(denominator.cast(DataTypes.DoubleType)));
  }

  /** An equi-join on same-named key columns, each key appearing once in the result. */
  public static Dataset<Row> join(
      Dataset<Row> left, Dataset<Row> right, String type, String... keys) {
    return left.join(right, JavaConverters.asScalaBuffer(Arrays.asList(keys)).toSeq(), type);
  }
}
