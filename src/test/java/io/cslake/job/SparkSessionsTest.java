package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.ConfigLoader;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The session a job gets: its master, the running session, the user's Spark settings, including
 * those Spark fixes at start.
 */
class SparkSessionsTest extends SparkTestBase {
  private static final String LAUNCHER = "local[*]";

  private static SparkConf submitted(String master) {
    SparkConf conf = new SparkConf(false);
    return master == null ? conf : conf.set("spark.master", master);
  }

  @Test
  void sparkSubmitsMasterWinsOverTheConfigurationAndTheLauncher() {
    assertThat(
            SparkSessions.master(
                submitted("yarn"), Optional.of("spark://elsewhere:7077"), false, LAUNCHER))
        .as("left to Spark, which has spark-submit's")
        .isEmpty();
  }

  @Test
  void configuredMasterWinsOverTheLaunchersDefault() {
    assertThat(SparkSessions.master(submitted(null), Optional.of("local[2]"), false, LAUNCHER))
        .contains("local[2]");
  }

  @Test
  void launchersDefaultIsUsedWhenNothingElseNamesAMaster() {
    assertThat(SparkSessions.master(submitted(null), Optional.empty(), false, LAUNCHER))
        .contains(LAUNCHER);
  }

  @Test
  void aRunningSessionNeedsNoMaster() {
    assertThat(SparkSessions.master(submitted(null), Optional.empty(), true, null)).isEmpty();
    assertThat(SparkSessions.running()).contains(spark);
  }

  @Test
  void noMasterAnywhereIsAUsageErrorSayingHowToSetOne() {
    for (String launcher : new String[] {null, " "}) {
      CslakeException e =
          catchThrowableOfType(
              CslakeException.class,
              () -> SparkSessions.master(submitted(null), Optional.empty(), false, launcher));

      assertThat(e).as("launcher default '%s'", launcher).isNotNull();
      assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
      assertThat(e.getMessage())
          .contains("no master is set")
          .contains("cslake.spark.master")
          .contains("spark-submit");
    }
  }

  /** Main.run embedded where a session runs: the job takes it, with no master configured. */
  @Test
  void aJobUsesTheRunningSessionWhenNoMasterIsConfigured() {
    SparkSession session =
        SparkSessions.create(
            ConfigLoader.load(List.of(), List.of("cslake.spark.shuffle-partitions=2"), null));
    try {
      assertThat(session).isSameAs(spark);
    } finally {
      session.conf().set("spark.databricks.delta.snapshotPartitions", "2");
    }
  }

  @Test
  void settingsSparkFixesAtStartDoNotStopAJobOnARunningSession() {
    SparkSession session =
        SparkSessions.create(
            TestConfigs.of(
                newDir("spark-sessions"),
                "cslake.spark.conf.\"spark.eventLog.enabled\"=false",
                "cslake.spark.conf.\"spark.sql.warehouse.dir\"=/tmp/elsewhere",
                "cslake.spark.conf.\"spark.sql.files.maxPartitionBytes\"=64m",
                "cslake.spark.shuffle-partitions=3"));
    try {
      assertThat(session).isSameAs(spark);
      assertThat(session.conf().get("spark.sql.files.maxPartitionBytes")).isEqualTo("64m");
      assertThat(session.conf().get("spark.sql.shuffle.partitions")).isEqualTo("3");
    } finally {
      session.conf().unset("spark.sql.files.maxPartitionBytes");
      // create() sets the cslake defaults on the shared session: back to the suite's settings.
      session.conf().set("spark.sql.shuffle.partitions", "2");
      session.conf().set("spark.databricks.delta.snapshotPartitions", "2");
    }
  }

  @Test
  void coreAndStaticSettingsAreFixedAtStartSqlSettingsAreNot() {
    assertThat(SparkSessions.isFixedAtStart(spark, "spark.eventLog.enabled")).isTrue();
    assertThat(SparkSessions.isFixedAtStart(spark, "spark.executor.cores")).isTrue();
    assertThat(SparkSessions.isFixedAtStart(spark, "spark.sql.warehouse.dir")).isTrue();
    assertThat(SparkSessions.isFixedAtStart(spark, "spark.sql.shuffle.partitions")).isFalse();
    assertThat(SparkSessions.isFixedAtStart(spark, "spark.sql.files.maxPartitionBytes")).isFalse();
    assertThat(
            SparkSessions.isFixedAtStart(
                spark, "spark.databricks.delta.retentionDurationCheck.enabled"))
        .isFalse();
  }
}
