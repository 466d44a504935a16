package io.cslake.table;

import io.delta.tables.DeltaTable;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Atomic, idempotent Delta writes: whole-table overwrite and predicate-scoped replace. */
public final class DeltaWriter {
  private DeltaWriter() {}

  /** Replaces the whole table at {@code path} with {@code rows} in one commit. */
  public static void overwrite(Dataset<Row> rows, String path, List<String> partitionBy) {
    writer(rows, partitionBy).mode("overwrite").option("overwriteSchema", "true").save(path);
  }

  /**
   * Replaces the rows of {@code path} matching {@code scope} with {@code rows} (which must all
   * match it) in one commit; creates the table when it does not exist. The predicate is rendered
   * from a typed {@link Column}, never from user text.
   */
  public static void replace(
      Dataset<Row> rows, String path, Column scope, List<String> partitionBy) {
    SparkSession spark = rows.sparkSession();
    if (!DeltaTable.isDeltaTable(spark, path)) {
      writer(rows, partitionBy).mode("overwrite").save(path);
      return;
    }
    writer(rows, partitionBy)
        .mode("overwrite")
        .option("replaceWhere", scope.expr().sql())
        .save(path);
  }

  /** Appends {@code rows} to the table at {@code path}, creating it when absent. */
  public static void append(Dataset<Row> rows, String path, List<String> partitionBy) {
    writer(rows, partitionBy).mode("append").save(path);
  }

  private static DataFrameWriter<Row> writer(Dataset<Row> rows, List<String> partitionBy) {
    DataFrameWriter<Row> writer = rows.write().format("delta");
    if (!partitionBy.isEmpty()) {
      writer = writer.partitionBy(partitionBy.toArray(String[]::new));
    }
    return writer;
  }
}
