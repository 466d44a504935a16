package io.cslake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.config.SchemeTestFileSystem;
import io.cslake.job.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Main#run} embedded in a JVM where a SparkSession already runs (a notebook, a Databricks
 * JAR task): commands run on that session with no master configured, return their exit code, and
 * leave the session running and usable.
 */
class MainRunEmbeddedTest extends SparkTestBase {

  @AfterEach
  void sessionStillRunsAndIsUsable() {
    assertThat(spark.sparkContext().isStopped()).as("the session was stopped").isFalse();
    assertThat(SparkSessions.running()).as("the running session").containsSame(spark);
    assertThat(spark.range(1).count()).isEqualTo(1L);
    // cslake's settings on the shared session: back to the suite's.
    spark.conf().set("spark.sql.shuffle.partitions", "2");
    spark.conf().set("spark.databricks.delta.snapshotPartitions", "2");
  }

  @Test
  void aCommandRunsOnTheRunningSessionWithoutAMasterAndReturnsZero() {
    Path out = newDir("embedded-generate");
    long accounts = 4;

    MainTest.Result result =
        MainTest.run(
            "generate",
            "--accounts",
            String.valueOf(accounts),
            "--months",
            "2",
            "--events-scale",
            "0.01",
            "--out",
            out.toString(),
            "--set",
            "cslake.spark.shuffle-partitions=2");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.err()).doesNotContain("Cannot start Spark");
    assertThat(spark.read().parquet(out.resolve("accounts").toString()).count())
        .isEqualTo(accounts);
  }

  /**
   * A {@code --conf} URI is read with the running session's Hadoop configuration: the scheme is
   * registered there only, and the file's unknown key is reported naming the URI.
   */
  @Test
  void confUriIsReadWithTheRunningSessionsHadoopConfiguration() throws IOException {
    Path conf = newDir("embedded-conf-uri").resolve("typo.conf");
    Files.writeString(conf, "cslake.lakehous = /x\n");
    String uri = SchemeTestFileSystem.uri(conf);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String disableCache = "fs." + SchemeTestFileSystem.SCHEME + ".impl.disable.cache";

    MainTest.Result unregistered = MainTest.run("ingest", "--conf", uri);
    hadoop.set(SchemeTestFileSystem.IMPL_KEY, SchemeTestFileSystem.class.getName());
    hadoop.set(disableCache, "true");
    MainTest.Result registered;
    try {
      registered = MainTest.run("ingest", "--conf", uri);
    } finally {
      hadoop.unset(SchemeTestFileSystem.IMPL_KEY);
      hadoop.unset(disableCache);
    }

    assertThat(unregistered.exitCode()).isEqualTo(2);
    assertThat(unregistered.err()).contains("'" + uri + "'").contains("through Hadoop");
    assertThat(registered.exitCode()).isEqualTo(2);
    assertThat(registered.err())
        .contains("'cslake.lakehous' (" + uri + ": 1)")
        .doesNotContain("\tat ");
  }

  @Test
  void aConfigurationErrorReturnsTwo() {
    MainTest.Result result = MainTest.run("ingest", "--set", "cslake.no-such-key=1");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("cslake.no-such-key").doesNotContain("\tat ");
  }

  @Test
  void anInputContractErrorOnTheSessionReturnsThree() {
    Path lakehouse = newDir("embedded-empty");

    MainTest.Result result =
        MainTest.run("metrics", "--set", "cslake.lakehouse=" + lakehouse.toAbsolutePath());

    assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
    assertThat(result.err()).contains("Cannot compute metrics");
  }

  @Test
  void aUsageErrorReturnsTwo() {
    MainTest.Result result = MainTest.run("metrics", "--no-such-option");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--no-such-option");
  }
}
