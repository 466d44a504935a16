package io.cslake.job;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.internal.config.ConfigEntry;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Spark session of a job: Delta enabled, UTC, non-ANSI casts, the configured master. */
public final class SparkSessions {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {}

  /**
   * The session for a job. A master set by spark-submit (the {@code spark.master} property) wins
   * over {@code cslake.spark.master}; when neither is set the job cannot start.
   */
  public static SparkSession create(CslakeConfig config) {
    SparkConf launched = new SparkConf(true);
    SparkSession.Builder builder = SparkSession.builder().appName(config.spark().appName());
    if (!launched.contains("spark.master")) {
      String master =
          config
              .spark()
              .master()
              .orElseThrow(
                  () ->
                      CslakeException.usage(
                          "Cannot start Spark: no master is set. Run through spark-submit --master"
                              + " ..., use bin/cslake (local[*]), or set cslake.spark.master."));
      builder.master(master);
    }
    builder
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    Map<String, String> runtime = runtimeSettings(config);
    runtime.forEach(builder::config);
    SparkSession spark = builder.getOrCreate();
    // A session that existed before (tests, notebooks) gets the runtime settings too. Settings
    // Spark fixes at start (spark.eventLog.*, spark.executor.*, static SQL settings) were given to
    // the builder above; an existing session keeps its own.
    runtime.forEach(
        (key, value) -> {
          if (!isFixedAtStart(spark, key)) {
            spark.conf().set(key, value);
          } else {
            scala.Option<String> running = spark.conf().getOption(key);
            if (running.isEmpty() || !running.get().equals(value)) {
              LOG.warn(
                  "{}={} applies when Spark starts: this session already runs with {}",
                  key,
                  value,
                  running.isEmpty() ? "its default" : running.get());
            }
          }
        });
    return spark;
  }

  /**
   * Whether Spark refuses to change {@code key} in a running session: a static SQL setting or a
   * setting of Spark's core (which Spark only reads when the context starts).
   */
  static boolean isFixedAtStart(SparkSession spark, String key) {
    return !spark.conf().isModifiable(key)
        && (SQLConf.isStaticConfigKey(key) || ConfigEntry.findEntry(key) != null);
  }

  /** SQL settings every cslake job relies on, then the user's own. */
  static Map<String, String> runtimeSettings(CslakeConfig config) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("spark.sql.session.timeZone", "UTC");
    settings.put("spark.sql.ansi.enabled", "false");
    settings.put(
        "spark.sql.shuffle.partitions", String.valueOf(config.spark().shufflePartitions()));
    settings.put("spark.sql.sources.partitionOverwriteMode", "static");
    // Parquet timestamps with min/max statistics (INT96, Spark's legacy default, has none), so
    // readers of what cslake writes, the generator's data included, can skip files by time.
    settings.put("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    settings.put("spark.databricks.delta.schema.autoMerge.enabled", "false");
    // Delta rebuilds a table's state from its log in this many tasks (default 50) on every first
    // read of a version: on a small machine or a small log most of them are empty, and their
    // scheduling was seconds per table read. No more than the shuffle's partitions.
    settings.put(
        "spark.databricks.delta.snapshotPartitions",
        String.valueOf(Math.min(50, config.spark().shufflePartitions())));
    settings.putAll(config.spark().conf());
    return settings;
  }
}
