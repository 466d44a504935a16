package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The session a job gets: the user's Spark settings, including those Spark fixes at start. */
class SparkSessionsTest extends SparkTestBase {

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
