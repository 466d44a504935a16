package io.cslake;

import io.cslake.table.Lakehouse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** Reading what a job wrote, for assertions. */
public final class TestTables {
  private TestTables() {}

  /** The Delta table at {@code path}. */
  public static Dataset<Row> delta(String path) {
    return SparkTestBase.session().read().format("delta").load(path);
  }

  /** Quarantined rows of one source, counted by rule. */
  public static Map<String, Long> quarantinedByRule(Lakehouse lakehouse, String source) {
    return delta(lakehouse.quarantine())
        .filter(functions.col("source").equalTo(source))
        .groupBy("rule")
        .count()
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
  }

  /** The values of one string column of a table, sorted. */
  public static List<String> sortedStrings(String path, String column) {
    return delta(path).select(column).orderBy(column).collectAsList().stream()
        .map(r -> r.getString(0))
        .toList();
  }

  /** The three --set pairs of a CSV source with a header line. */
  public static List<String> csvSource(String source, java.nio.file.Path path) {
    return List.of(
        "cslake.sources." + source + ".path=" + path,
        "cslake.sources." + source + ".format=csv",
        "cslake.sources." + source + ".options.header=true");
  }
}
