package io.cslake.table;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code _runs}: one row per run and source with its row accounting, plus one row per run with a
 * null source for the command itself (SPEC §4.3). Append only.
 */
public final class RunsTable {
  /** The table's path relative to the lakehouse root. */
  public static final String TABLE = "_runs";

  public static final String RUN_ID = "run_id";
  public static final String COMMAND = "command";
  public static final String SOURCE = "source";
  public static final String ROWS_READ = "rows_read";
  public static final String ROWS_ACCEPTED = "rows_accepted";
  public static final String ROWS_QUARANTINED = "rows_quarantined";
  public static final String ROWS_DUPLICATE = "rows_duplicate";
  public static final String QUARANTINED_BY_RULE = "quarantined_by_rule";
  public static final String STARTED_AT = "started_at";
  public static final String ENDED_AT = "ended_at";
  public static final String STATUS = "status";
  public static final String MESSAGE = "message";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(COMMAND, DataTypes.StringType, false)
          .add(SOURCE, DataTypes.StringType, true)
          .add(ROWS_READ, DataTypes.LongType, true)
          .add(ROWS_ACCEPTED, DataTypes.LongType, true)
          .add(ROWS_QUARANTINED, DataTypes.LongType, true)
          .add(ROWS_DUPLICATE, DataTypes.LongType, true)
          .add(
              QUARANTINED_BY_RULE,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType),
              true)
          .add(STARTED_AT, DataTypes.TimestampType, false)
          .add(ENDED_AT, DataTypes.TimestampType, false)
          .add(STATUS, DataTypes.StringType, false)
          .add(MESSAGE, DataTypes.StringType, true);

  private RunsTable() {}

  /**
   * One row of {@code _runs}.
   *
   * @param source null for the command's own row
   * @param counts null for the command's own row
   */
  public record Entry(
      String runId,
      String command,
      String source,
      Counts counts,
      Timestamp startedAt,
      Timestamp endedAt,
      String status,
      String message) {

    Row toRow() {
      return RowFactory.create(
          runId,
          command,
          source,
          counts == null ? null : counts.read(),
          counts == null ? null : counts.accepted(),
          counts == null ? null : counts.quarantined(),
          counts == null ? null : counts.duplicates(),
          counts == null ? null : counts.byRule(),
          startedAt,
          endedAt,
          status,
          message);
    }
  }

  /**
   * Row accounting of one source in one run: read = accepted + quarantined + duplicates.
   *
   * @param byRule quarantined rows per rule (duplicates under "duplicate")
   */
  public record Counts(
      long read, long accepted, long quarantined, long duplicates, Map<String, Long> byRule) {
    public Counts {
      byRule = new HashMap<>(byRule);
    }
  }

  /** Appends {@code entries} in one commit. */
  public static void append(SparkSession spark, Lakehouse lakehouse, List<Entry> entries) {
    List<Row> rows = new ArrayList<>();
    for (Entry e : entries) {
      rows.add(e.toRow());
    }
    DeltaWriter.append(spark.createDataFrame(rows, SCHEMA), lakehouse.runs(), List.of());
  }
}
