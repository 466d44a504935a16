package io.cslake.table;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.cslake.transform.Validation;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code _quarantine}: every row a source rejected, with the rule it broke and the raw row as JSON
 * (SPEC §4.3). Partitioned by source. Re-ingesting a source merges its quarantined rows (for usage
 * events: those of the re-read dates): rows already there stay as they were, with their first run
 * id and time, rows no longer rejected go, new ones come. A re-run of the same input changes
 * nothing.
 */
public final class QuarantineTable {
  /** The table's path relative to the lakehouse root. */
  public static final String TABLE = "_quarantine";

  public static final String RUN_ID = "run_id";
  public static final String SOURCE = "source";
  public static final String RULE = "rule";
  public static final String RECORD = "record";
  public static final String QUARANTINED_AT = "quarantined_at";

  /** The event date of a rejected usage event when it has one; null for other sources. */
  public static final String EVENT_DATE = "event_date";

  /** 1 for the first copy of a (rule, record) pair, 2 for the second identical one, and so on. */
  public static final String OCCURRENCE = "occurrence";

  private QuarantineTable() {}

  /** The quarantine rows of a classified source: those whose rule is set. */
  public static Dataset<Row> rows(
      Dataset<Row> classified, String source, String runId, Timestamp at, Column eventDate) {
    return classified
        .filter(col(Validation.RULE).isNotNull())
        .select(
            lit(runId).as(RUN_ID),
            lit(source).as(SOURCE),
            col(Validation.RULE).as(RULE),
            Validation.record().as(RECORD),
            lit(at).as(QUARANTINED_AT),
            eventDate.cast(DataTypes.DateType).as(EVENT_DATE))
        .withColumn(
            OCCURRENCE,
            row_number().over(Window.partitionBy(col(RULE), col(RECORD)).orderBy(col(RULE))));
  }

  /** Replaces the quarantine rows within {@code scope} (a predicate over this table's columns). */
  public static void replace(Lakehouse lakehouse, Dataset<Row> rows, Column scope) {
    String path = lakehouse.quarantine();
    SparkSession spark = rows.sparkSession();
    if (!DeltaTable.isDeltaTable(spark, path)) {
      DeltaWriter.append(rows, path, List.of(SOURCE));
      return;
    }
    Column same =
        col("t." + SOURCE)
            .equalTo(col("s." + SOURCE))
            .and(col("t." + RULE).equalTo(col("s." + RULE)))
            .and(col("t." + RECORD).equalTo(col("s." + RECORD)))
            .and(col("t." + OCCURRENCE).equalTo(col("s." + OCCURRENCE)));
    DeltaTable.forPath(spark, path)
        .as("t")
        .merge(rows.as("s"), same)
        .whenNotMatched()
        .insertAll()
        .whenNotMatchedBySource(scope)
        .delete()
        .execute();
  }

  /** The scope of one whole source. */
  public static Column sourceScope(String source) {
    return col(SOURCE).equalTo(lit(source));
  }
}
