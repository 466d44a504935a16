package io.cslake.transform.revenue;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.make_ym_interval;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.when;

import io.cslake.contract.FieldType;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.JavaConverters;

/** Helpers shared by the revenue transformations: money type, month spines, safe division. */
final class Revenue {
  /** Money in every revenue table: {@code decimal(18,4)}, the contract's amount type. */
  static final DataType MONEY = FieldType.AMOUNT.sparkType();

  /** The segment value of company-wide rows. */
  static final String ALL = "ALL";

  /** The segment of accounts whose segment is null. */
  static final String UNKNOWN_SEGMENT = "unknown";

  private Revenue() {}

  /** The first day of {@code asOf}'s month, as a literal. */
  static Column monthOf(LocalDate asOf) {
    return lit(Date.valueOf(asOf.withDayOfMonth(1)));
  }

  /**
   * Every first-of-month from {@code first} to {@code last} inclusive, as an array to explode. The
   * caller must keep only rows with {@code first <= last}: Spark rejects a descending sequence.
   */
  static Column months(Column first, Column last) {
    return sequence(first, last, make_ym_interval(lit(0), lit(1)));
  }

  /** {@code numerator / denominator} as a double; null when the denominator is 0 or null. */
  static Column ratio(Column numerator, Column denominator) {
    return when(
        denominator.isNotNull().and(denominator.notEqual(lit(0))),
        numerator.cast(DataTypes.DoubleType).divide(denominator.cast(DataTypes.DoubleType)));
  }

  /** An equi-join on same-named key columns, each key appearing once in the result. */
  static Dataset<Row> join(Dataset<Row> left, Dataset<Row> right, String type, String... keys) {
    return left.join(right, JavaConverters.asScalaBuffer(Arrays.asList(keys)).toSeq(), type);
  }
}
