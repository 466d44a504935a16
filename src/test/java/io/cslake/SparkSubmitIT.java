package io.cslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The thin jar runs under spark-submit semantics without a Spark distribution (STACK.md pitfall 6):
 * a child JVM runs {@code org.apache.spark.deploy.SparkSubmit} with only what a cluster brings on
 * its classpath (the runtime classpath minus every library the thin jar already shades), and the
 * jar as the application. Needs the packaged jar: runs in failsafe, after {@code package}.
 */
class SparkSubmitIT {
  private static final long TIMEOUT_MINUTES = 5;

  private static ThinJar thin;

  @BeforeAll
  static void locateTheJarAndTheClasspath() throws IOException {
    thin = ThinJar.locate();
    Set<String> shaded = thin.classes();
    String clusterClasspath = String.join(File.pathSeparator, thin.clusterClasspath);
    // The thin jar must bring its own libraries and no Spark.
    assertThat(shaded).contains("picocli/CommandLine.class", "com/typesafe/config/Config.class");
    assertThat(shaded).doesNotContain("org/apache/spark/SparkContext.class");
    assertThat(clusterClasspath)
        .contains("spark-core_2.12")
        .doesNotContain("picocli")
        .doesNotContain(File.separator + "config-1.");
  }

  private static ThinJar.Submitted submit(Path workDir, String... args) throws Exception {
    return thin.submit(workDir, "local[2]", TIMEOUT_MINUTES, args);
  }

  @Test
  void thinJarPrintsItsHelpUnderSparkSubmit() throws Exception {
    Path dir = SparkTestBase.newDir("spark-submit-help");

    ThinJar.Submitted help = submit(dir, "--help");

    assertThat(help.exitCode()).as(help.output()).isZero();
    assertThat(help.output()).contains("Usage: cslake");
    for (String command :
        List.of(
            "generate", "ingest", "metrics", "features", "train", "score", "clv", "run", "demo")) {
      assertThat(help.output()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
    }
    ThinJar.Submitted version = submit(dir, "--version");
    assertThat(version.exitCode()).as(version.output()).isZero();
    assertThat(version.output()).contains("cslake ");
  }

  @Test
  void thinJarIngestsUnderSparkSubmit() throws Exception {
    Path dir = SparkTestBase.newDir("spark-submit-ingest");
    Path accounts = Files.createDirectories(dir.resolve("input/accounts"));
    Files.writeString(
        accounts.resolve("accounts.csv"),
        """
        account_id,created_at,segment,name
        a1,2024-01-05 10:00:00,smb,Acme
        a2,2024-02-10 09:30:00,enterprise,Globex
        """);
    Path subscriptions = Files.createDirectories(dir.resolve("input/subscriptions"));
    Files.writeString(
        subscriptions.resolve("subscriptions.csv"),
        """
        account_id,start_date,end_date,mrr,plan,product_id,subscription_id,currency
        a1,2024-01-05,,100.00,pro,core,s1,USD
        a2,2024-02-10,2024-08-10,2500.00,enterprise,core,s2,USD
        """);
    Path lakehouse = dir.resolve("lakehouse");
    Path conf = dir.resolve("submit.conf");
    Files.writeString(
        conf,
        """
        cslake {
          lakehouse = "%s"
          sources {
            accounts { path = "%s", format = csv, options { header = "true" } }
            subscriptions { path = "%s", format = csv, options { header = "true" } }
          }
        }
        """
            .formatted(lakehouse, accounts, subscriptions));

    ThinJar.Submitted ingest = submit(dir, "ingest", "--conf", conf.toString());

    assertThat(ingest.exitCode()).as(ingest.output()).isZero();
    assertThat(lakehouse.resolve("silver/accounts/_delta_log")).isDirectory();
    assertThat(lakehouse.resolve("_runs/_delta_log")).isDirectory();
  }
}
