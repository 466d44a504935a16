package io.cslake.job;

import io.cslake.contract.Source;
import io.delta.tables.DeltaTable;
import java.util.Collections;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Reads of the lakehouse's silver tables (and, by path, any Delta table) shared by the jobs. */
final class Silver {
  private Silver() {}

  /** The silver table of {@code source}, if ingest has written it. */
  static Optional<Dataset<Row>> read(JobContext ctx, Source source) {
    return read(ctx, source.id());
  }

  /** The silver table {@code table} (a source or a rollup), if it exists. */
  static Optional<Dataset<Row>> read(JobContext ctx, String table) {
    return delta(ctx, ctx.lakehouse().silver(table));
  }

  /** The Delta table at {@code path}, if there is one (silver or gold). */
  static Optional<Dataset<Row>> delta(JobContext ctx, String path) {
    if (!DeltaTable.isDeltaTable(ctx.spark(), path)) {
      return Optional.empty();
    }
    return Optional.of(ctx.spark().read().format("delta").load(path));
  }

  /** The silver table of {@code source}, or no rows of its contract schema. */
  static Dataset<Row> orEmpty(JobContext ctx, Source source) {
    return read(ctx, source)
        .orElseGet(
            () ->
                ctx.spark()
                    .createDataFrame(
                        Collections.<Row>emptyList(), IngestJob.contractSchema(source)));
  }
}
