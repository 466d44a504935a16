package io.cslake.table;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code _state/watermarks}: the last event date each incremental input has been ingested up to.
 * Internal state, not a contract table.
 */
public final class WatermarkTable {
  /** The table's name under {@code _state}. */
  static final String NAME = "watermarks";

  /** The table's path relative to the lakehouse root. */
  public static final String TABLE = "_state/" + NAME;

  public static final String SOURCE = "source";
  public static final String LAST_DATE = "last_date";

  private static final StructType SCHEMA =
      new StructType()
          .add(SOURCE, DataTypes.StringType, false)
          .add(LAST_DATE, DataTypes.DateType, false);

  private WatermarkTable() {}

  /** The last date ingested for {@code source}, if any. */
  public static Optional<LocalDate> lastDate(
      SparkSession spark, Lakehouse lakehouse, String source) {
    String path = lakehouse.state(NAME);
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return Optional.empty();
    }
    List<Row> rows =
        spark
            .read()
            .format("delta")
            .load(path)
            .filter(col(SOURCE).equalTo(lit(source)))
            .collectAsList();
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0).getDate(1).toLocalDate());
  }

  /** Records that {@code source} is ingested up to {@code date} (never moves backwards). */
  public static void advance(
      SparkSession spark, Lakehouse lakehouse, String source, LocalDate date) {
    if (lastDate(spark, lakehouse, source).equals(Optional.of(date))) {
      return;
    }
    LocalDate last = lastDate(spark, lakehouse, source).filter(d -> d.isAfter(date)).orElse(date);
    Row row = RowFactory.create(source, Date.valueOf(last));
    DeltaWriter.replace(
        spark.createDataFrame(List.of(row), SCHEMA),
        lakehouse.state(NAME),
        col(SOURCE).equalTo(lit(source)),
        List.of());
  }
}
