package io.cslake.transform.experience;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/** Helpers the experience families share: durations, day windows and values as of a date. */
final class Experience {
  static final String ACCOUNT_ID = "account_id";
  static final String MONTH = "month";
  static final String SEGMENT = "segment";
  static final String AS_OF_DATE = "as_of_date";

  /** Days in the trailing windows of the per-account values named {@code …_90d}. */
  static final int RECENT_DAYS = 90;

  private static final String DAY = "_day";
  private static final String KEY_ROW = "_key_row";

  private Experience() {}

  /** {@code count} with 0 for null (a count of nothing in a present source). */
  static Column orZero(Column count) {
    return coalesce(count, lit(0L));
  }

  /** Hours from {@code from} to {@code to}; null when either is null or {@code to} is earlier. */
  static Column hoursBetween(Column from, Column to) {
    Column seconds = unix_seconds(to).minus(unix_seconds(from));
    return when(seconds.geq(lit(0)), seconds.cast(DataTypes.DoubleType).divide(lit(3600.0)));
  }

  /**
   * Whether {@code day} is in the {@code days} days ending with {@code asOf}: (asOf−days, asOf].
   */
  static Column inDays(Column day, Column asOf, int days) {
    return day.gt(date_sub(asOf, days)).and(day.leq(asOf));
  }

  /** Whether the timestamp {@code ts} is before the end of the day {@code asOf}. */
  static Column byEndOf(Column ts, Column asOf) {
    return to_date(ts).leq(asOf);
  }

  /** The day after {@code asOf}. */
  static Column dayAfter(Column asOf) {
    return date_add(asOf, 1);
  }

  /**
   * Running aggregates as of each key date, without joining every key date to every earlier event:
   * keys (account_id, as_of_date) and events (account_id, {@code day}, value columns) are put in
   * one per-account sequence ordered by day, each key after the events of its own day, and {@code
   * aggregate} of each value column is taken over the rows up to the key.
   *
   * @param keys account_id, as_of_date
   * @param events account_id, {@code day} (a date) and the value columns
   * @param day the events' date column
   * @param aggregate e.g. {@code functions::sum} or {@code functions::max}, applied to each value
   * @return account_id, as_of_date and one column per value column (named as it)
   */
  static Dataset<Row> runningAsOf(
      Dataset<Row> keys, Dataset<Row> events, String day, Function<Column, Column> aggregate) {
    List<String> values = new ArrayList<>();
    for (StructField f : events.schema().fields()) {
      if (!f.name().equals(ACCOUNT_ID) && !f.name().equals(day)) {
        values.add(f.name());
      }
    }
    List<Column> keyCols = new ArrayList<>();
    keyCols.add(col(ACCOUNT_ID));
    keyCols.add(col(AS_OF_DATE));
    keyCols.add(col(AS_OF_DATE).as(DAY));
    keyCols.add(lit(1).as(KEY_ROW));
    List<Column> eventCols = new ArrayList<>();
    eventCols.add(col(ACCOUNT_ID));
    eventCols.add(lit(null).cast(DataTypes.DateType).as(AS_OF_DATE));
    eventCols.add(col(day).as(DAY));
    eventCols.add(lit(0).as(KEY_ROW));
    for (String v : values) {
      keyCols.add(lit(null).cast(events.schema().apply(v).dataType()).as(v));
      eventCols.add(col(v));
    }
    Dataset<Row> sequence =
        keys.select(keyCols.toArray(Column[]::new))
            .unionByName(events.select(eventCols.toArray(Column[]::new)));
    WindowSpec upTo =
        Window.partitionBy(ACCOUNT_ID)
            .orderBy(col(DAY), col(KEY_ROW))
            .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    List<Column> out = new ArrayList<>();
    out.add(col(ACCOUNT_ID));
    out.add(col(AS_OF_DATE));
    out.add(col(KEY_ROW));
    for (String v : values) {
      out.add(aggregate.apply(col(v)).over(upTo).as(v));
    }
    return sequence
        .select(out.toArray(Column[]::new))
        .filter(col(KEY_ROW).equalTo(lit(1)))
        .drop(KEY_ROW);
  }
}
