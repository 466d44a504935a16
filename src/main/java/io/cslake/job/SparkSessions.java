package io.cslake.job;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.internal.config.ConfigEntry;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The Spark session of a job: the running one if there is one, else a new one on the master of
 * spark-submit, the configuration or the launcher; Delta enabled, UTC, non-ANSI casts.
 */
public final class SparkSessions {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {}

  /**
   * The JVM system property through which a launcher names the master to use when nothing else
   * does: {@code bin/cslake} sets it to {@code local[*]}. It is not a configuration key, so a
   * configuration file never has to repeat it and spark-submit never sees it.
   */
  public static final String LAUNCHER_MASTER_PROPERTY = "cslake.launcher.master";

  /**
   * The session for a job. When a session already runs in this JVM (a notebook, a Databricks job,
   * {@link io.cslake.cli.Main#run} embedded), the job uses it, whatever its master. Otherwise a new
   * session starts on the first master of: the one spark-submit set (the {@code spark.master}
   * property), {@code cslake.spark.master}, the launcher's default ({@value
   * #LAUNCHER_MASTER_PROPERTY}); when none is set the job cannot start.
   */
  public static SparkSession create(CslakeConfig config) {
    SparkSession.Builder builder = SparkSession.builder().appName(config.spark().appName());
    master(
            new SparkConf(true),
            config.spark().master(),
            running().isPresent(),
            System.getProperty(LAUNCHER_MASTER_PROPERTY))
        .ifPresent(builder::master);
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
   * The Hadoop configuration that reads a file before the job's session exists (a {@code --conf}
   * URI): a copy of the running session's (its file systems and credentials), else Hadoop's
   * defaults with the {@code spark.hadoop.*} settings spark-submit passed; then {@code settings}
   * (the {@code spark.hadoop.*} settings of {@code --set}, prefix removed) on top.
   */
  public static Configuration hadoopConfiguration(Map<String, String> settings) {
    Configuration conf =
        running()
            .map(s -> new Configuration(s.sparkContext().hadoopConfiguration()))
            .orElseGet(
                () -> {
                  Configuration c = new Configuration();
                  for (Tuple2<String, String> e :
                      new SparkConf(true).getAllWithPrefix("spark.hadoop.")) {
                    c.set(e._1(), e._2());
                  }
                  return c;
                });
    settings.forEach(conf::set);
    return conf;
  }

  /** The session already running in this JVM: this thread's active one, else the default one. */
  public static Optional<SparkSession> running() {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      return Optional.of(active.get());
    }
    scala.Option<SparkSession> fallback = SparkSession.getDefaultSession();
    return fallback.isDefined() ? Optional.of(fallback.get()) : Optional.empty();
  }

  /**
   * The master to give the session builder, empty when Spark already has one: spark-submit's (in
   * {@code launched}), or the running session's. Then {@code configured} ({@code
   * cslake.spark.master}), then the launcher's default.
   *
   * @throws CslakeException (exit 2) when no master is set anywhere
   */
  static Optional<String> master(
      SparkConf launched,
      Optional<String> configured,
      boolean sessionRunning,
      String launcherDefault) {
    if (launched.contains("spark.master") || sessionRunning) {
      return Optional.empty();
    }
    if (configured.isPresent()) {
      return configured;
    }
    if (launcherDefault != null && !launcherDefault.isBlank()) {
      return Optional.of(launcherDefault.trim());
    }
    throw CslakeException.usage(
        "Cannot start Spark: no master is set. Run through spark-submit --master ..., use"
            + " bin/cslake (local[*] unless the configuration names a master), set"
            + " cslake.spark.master (e.g. --set cslake.spark.master=local[*]), or call"
            + " io.cslake.cli.Main.run where a SparkSession is already running.");
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
