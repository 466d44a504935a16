package io.cslake.table;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The rows each write reports, from its commit's metrics, against the rows the table then holds
 * (counted by reading it back, as the jobs did before), with and without Delta's commit metrics.
 */
class DeltaWriterTest extends SparkTestBase {

  @Test
  void eachWriteReportsTheRowsItsCommitWrote() {
    String path = newDir("delta-writer").resolve("t").toString();
    assertThat(DeltaWriter.overwrite(rows(0, 50), path, List.of("part")).rows())
        .isEqualTo(50)
        .isEqualTo(table(path).count());
    Column second = col("part").equalTo(lit(1L));
    assertThat(
            DeltaWriter.replace(rows(0, 30).filter(second), path, second, List.of("part")).rows())
        .isEqualTo(15)
        .isEqualTo(table(path).filter(second).count());
    assertThat(table(path).count()).isEqualTo(40);
    assertThat(DeltaWriter.append(rows(100, 107), path, List.of("part")).rows()).isEqualTo(7);
    assertThat(DeltaWriter.overwrite(rows(0, 3), path, List.of("part")).rows())
        .isEqualTo(3)
        .isEqualTo(table(path).count());
  }

  @Test
  void withoutCommitMetricsTheRowsAreCountedFromTheTable() {
    String path = newDir("delta-writer-no-metrics").resolve("t").toString();
    String key = "spark.databricks.delta.history.metricsEnabled";
    spark.conf().set(key, "false");
    try {
      DeltaWriter.overwrite(rows(0, 20), path, List.of("part"));
      Column first = col("part").equalTo(lit(0L));
      assertThat(DeltaWriter.replace(rows(0, 8).filter(first), path, first, List.of("part")).rows())
          .isEqualTo(4)
          .isEqualTo(table(path).filter(first).count());
      assertThat(DeltaWriter.overwrite(rows(0, 9), path, List.of()).rows()).isEqualTo(9);
    } finally {
      spark.conf().unset(key);
    }
  }

  /** Rows with id in [from, to) and part = id % 2. */
  private static Dataset<Row> rows(long from, long to) {
    return spark.range(from, to).withColumn("part", col("id").mod(lit(2L)));
  }

  private static Dataset<Row> table(String path) {
    return spark.read().format("delta").load(path);
  }
}
