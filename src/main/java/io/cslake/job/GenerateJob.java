package io.cslake.job;

import io.cslake.CslakeException;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.generate.SyntheticData;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cslake generate}: writes every source of the synthetic dataset to {@code <out>/<source>/}
 * and the ground truth to {@code <out>/_truth/<table>/}, each replacing what was there. Sources
 * switched off with {@code --without} are not written, and a folder left from an earlier run for
 * them is removed so that the source is really absent.
 */
public final class GenerateJob {
  private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);

  /** The folder of the ground truth under the output folder. */
  public static final String TRUTH = "_truth";

  private GenerateJob() {}

  /**
   * Generates and writes the dataset {@code params} describes.
   *
   * @return rows written per table, in writing order: source ids, then {@code _truth/<table>}
   */
  public static Map<String, Long> run(SparkSession spark, GeneratorParams params) {
    LOG.info("Generating a synthetic dataset: {}", params);
    SyntheticData.Generated data = SyntheticData.generate(spark, params);
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Source source : Source.values()) {
      String path = path(params.out(), source.id());
      Dataset<Row> table = data.sources().get(source);
      if (table == null) {
        remove(spark, path);
        continue;
      }
      counts.put(source.id(), write(spark, params, table, path, source == Source.USAGE_EVENTS));
    }
    for (Map.Entry<String, Dataset<Row>> truth : data.truth().entrySet()) {
      String name = TRUTH + "/" + truth.getKey();
      counts.put(name, write(spark, params, truth.getValue(), path(params.out(), name), false));
    }
    return counts;
  }

  private static long write(
      SparkSession spark,
      GeneratorParams params,
      Dataset<Row> table,
      String path,
      boolean byEventDate) {
    long started = System.nanoTime();
    String format = params.format().id();
    DataFrameWriter<Row> writer = table.write().mode(SaveMode.Overwrite).format(format);
    if (params.format() == GeneratorParams.Format.PARQUET) {
      writer = writer.option("compression", "zstd");
    }
    if (params.format() == GeneratorParams.Format.DELTA) {
      writer = writer.option("overwriteSchema", "true");
    }
    if (byEventDate) {
      writer = writer.partitionBy("event_date");
    }
    writer.save(path);
    long rows = spark.read().format(format).load(path).count();
    LOG.info(
        "Wrote {} rows to {} in {} s",
        rows,
        path,
        String.format("%.1f", (System.nanoTime() - started) / 1e9));
    return rows;
  }

  private static void remove(SparkSession spark, String path) {
    try {
      Path folder = new Path(path);
      FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(folder)) {
        LOG.info("Removing {}: the source is switched off", path);
        fs.delete(folder, true);
      }
    } catch (IOException e) {
      throw CslakeException.failure(
          "Cannot remove " + path + " left by an earlier run: " + e.getMessage(), e);
    }
  }

  private static String path(String out, String name) {
    return out.endsWith("/") ? out + name : out + "/" + name;
  }
}
