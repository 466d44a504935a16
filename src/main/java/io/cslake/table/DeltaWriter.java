package io.cslake.table;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Atomic, idempotent Delta writes: whole-table overwrite and predicate-scoped replace. Each returns
 * its {@link Commit}, which tells how many rows it wrote when asked.
 *
 * <p>That count comes from the commit's own metrics ({@code numOutputRows} of its entry in the
 * table's history, found by a token in the commit's {@code userMetadata}), not from reading the
 * table back: a read-back count is a new query, whose Delta scan the driver plans again (log
 * listing, file choice by a Spark job over the table's state, the count answered from file
 * statistics by another), about 1.4 s against 0.3 s per table on this project's 2-core machine
 * (docs/benchmarks.md §5.4). Without commit metrics (turned off by {@code
 * spark.databricks.delta.history.metricsEnabled}) the rows written are counted from the table.
 */
public final class DeltaWriter {
  /** How far back the history is searched for the commit: past commits of concurrent writers. */
  private static final int HISTORY_DEPTH = 20;

  private DeltaWriter() {}

  /** Replaces the whole table at {@code path} with {@code rows} in one commit. */
  public static Commit overwrite(Dataset<Row> rows, String path, List<String> partitionBy) {
    String token = token();
    writer(rows, partitionBy, token).mode("overwrite").option("overwriteSchema", "true").save(path);
    return new Commit(rows.sparkSession(), path, token, null);
  }

  /**
   * Replaces the rows of {@code path} matching {@code scope} with {@code rows} (which must all
   * match it) in one commit; creates the table when it does not exist. The predicate is rendered
   * from a typed {@link Column}, never from user text.
   */
  public static Commit replace(
      Dataset<Row> rows, String path, Column scope, List<String> partitionBy) {
    SparkSession spark = rows.sparkSession();
    String token = token();
    if (!DeltaTable.isDeltaTable(spark, path)) {
      writer(rows, partitionBy, token).mode("overwrite").save(path);
    } else {
      writer(rows, partitionBy, token)
          .mode("overwrite")
          .option("replaceWhere", scope.expr().sql())
          .save(path);
    }
    return new Commit(spark, path, token, scope);
  }

  /** Appends {@code rows} to the table at {@code path}, creating it when absent. */
  public static Commit append(Dataset<Row> rows, String path, List<String> partitionBy) {
    String token = token();
    writer(rows, partitionBy, token).mode("append").save(path);
    return new Commit(rows.sparkSession(), path, token, null);
  }

  private static DataFrameWriter<Row> writer(
      Dataset<Row> rows, List<String> partitionBy, String token) {
    DataFrameWriter<Row> writer = rows.write().format("delta").option("userMetadata", token);
    if (!partitionBy.isEmpty()) {
      writer = writer.partitionBy(partitionBy.toArray(String[]::new));
    }
    return writer;
  }

  /** A commit's mark in the table history: which cslake write made it. */
  private static String token() {
    return "cslake write " + UUID.randomUUID();
  }

  /**
   * One write's commit, marked {@code token} in its {@code userMetadata}.
   *
   * @param scope the rows the write replaced (null: the whole table, or an append)
   */
  public record Commit(SparkSession spark, String path, String token, Column scope) {
    /**
     * The rows the commit wrote: its {@code numOutputRows}, or, without commit metrics, the rows of
     * the table in {@code scope} (all rows when null).
     */
    public long rows() {
      List<Row> entries =
          DeltaTable.forPath(spark, path)
              .history(HISTORY_DEPTH)
              .filter(col("userMetadata").equalTo(token))
              .select("operationMetrics")
              .collectAsList();
      if (entries.size() == 1 && !entries.get(0).isNullAt(0)) {
        Map<String, String> metrics = entries.get(0).getJavaMap(0);
        String rows = metrics.get("numOutputRows");
        if (rows != null) {
          return Long.parseLong(rows);
        }
      }
      Dataset<Row> table = spark.read().format("delta").load(path);
      return (scope == null ? table : table.filter(scope)).count();
    }
  }
}
