package io.cslake;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.cslake.cli.MainTest;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.job.GenerateJob;
import io.cslake.table.Lakehouse;
import io.cslake.table.RunsTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a data team needs from a pipeline run on a cluster, killed or re-run: one small generated
 * company, one reference lakehouse written on {@code local[2]} by {@code cslake demo} (the stages
 * of {@code run}, then the summary, checked too: every generated row ingested, nothing
 * quarantined), and against it
 *
 * <ol>
 *   <li><b>idempotency</b>: every command run a second time on the reference lakehouse leaves every
 *       Delta table as it was (rows and row counts);
 *   <li><b>crash and re-run</b>: the thin jar's driver killed with SIGKILL during the ingest of a
 *       first {@code run}, during training and during scoring leaves every table readable, and
 *       re-running gives the reference's tables;
 *   <li><b>a real cluster</b>: {@code run} in client mode on a standalone master with two one-core
 *       workers on loopback (from the Maven-resolved Spark jars) writes the reference's tables;
 *       then {@code train --retrain} trains a model on the cluster.
 * </ol>
 *
 * The three share one dataset and one reference run to keep the suite's time (docs/operations.md):
 * the cluster's {@code run}, a driver and executors in processes of their own that mostly wait on
 * one another, is started as soon as the reference exists and runs while the first two tests do;
 * the last test waits for it and compares. Tables are compared as {@link LakehouseContent}
 * snapshots: all rows, numbers to a relative tolerance, without the columns that record when or by
 * which invocation a row was written.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributedRunIT extends SparkTestBase {
  private static final long RUN_MINUTES = 20;
  private static final LocalDate AS_OF = LocalDate.of(2026, 4, 30);

  /**
   * Within one lakehouse a re-run must repeat the sums it made: only the last bits of a double may
   * differ. Between a local and a cluster run the CLV models (BG/NBD, Gamma-Gamma) are fitted by an
   * optimiser on sums taken in another order: their parameters agree to about 2e-7.
   */
  private static final double SAME_RUN = 1e-9;

  private static final double OTHER_LAYOUT = 1e-6;

  /**
   * The Gamma-Gamma spend model of this small company (29 repeat buyers) is not identified: its
   * maximum lies on a ridge (p at about 1e6, near its bound, and pγ fixed), so fits from sums taken
   * in another order stop at other points of the ridge with the same log-likelihood (measured: p
   * 974,258 and 997,432, γ 1.436e-4 and 1.403e-4, log-likelihoods equal to 1e-10). Its parameters
   * are compared to 5 %, its log-likelihood to the general tolerance; the expected spend pγ / (q −
   * 1) and the predicted CLV made from it move by up to about 3e-4 along the ridge.
   */
  private static final Map<String, Double> SPEND_FIT =
      Map.of(
          "gold/clv_model_params.value", 5e-2,
          "expected_spend", 1e-3,
          "predicted_clv", 1e-3);

  /** Between two lakehouses, the columns naming the invocation are left out too. */
  private static final Set<String> ACROSS_RUNS =
      Stream.concat(LakehouseContent.WHEN_COLUMNS.stream(), LakehouseContent.RUN_COLUMNS.stream())
          .collect(Collectors.toUnmodifiableSet());

  private static ThinJar thin;
  private static Path dir;
  private static Path conf;
  private static Path referenceLake;
  private static Map<String, List<String>> reference;

  /** The cluster and its {@code run}, started once the reference exists (see the last test). */
  private static StandaloneCluster cluster;

  private static Path clusterLake;
  private static Path clusterLog;
  private static Process clusterRun;

  @BeforeAll
  static void generateAndRunLocally() throws Exception {
    thin = ThinJar.locate();
    dir = newDir("distributed");
    Path data = dir.resolve("data");
    Map<String, Long> generated =
        GenerateJob.run(
            spark,
            new GeneratorParams(
                150,
                18,
                LocalDate.of(2024, 11, 1),
                7,
                0.01,
                GeneratorParams.Format.PARQUET,
                data.toString(),
                Set.of()));
    StringBuilder sources = new StringBuilder();
    for (Source source : Source.values()) {
      Path path = data.resolve(source.id());
      if (Files.isDirectory(path)) {
        sources.append("    ").append(source.id()).append(".path = \"").append(path).append("\"\n");
      }
    }
    conf = dir.resolve("run.conf");
    Files.writeString(
        conf,
        """
        cslake {
          as-of = "%s"
          spark.shuffle-partitions = 2
          features.history-months = 12
          model.trees = 10
          engagement.features = ["dashboards", "reports", "collaboration", "alerts", "automation",
            "integrations", "mobile", "admin", "api"]
          sources {
            accounts.attributes = ["contract_type", "payment_method", "employee_band"]
        %s  }
        }
        """
            .formatted(AS_OF, sources));
    referenceLake = dir.resolve("reference");
    // The reference is written by `demo` on the generated dataset: the same stages as `run`
    // (RunCommand.runAll) and then the demo's summary, which is checked here too.
    MainTest.Result run = inThisJvm(referenceLake, "demo");
    assertThat(run.out())
        .as("the reference run trains and scores")
        .contains("train: no model registered yet, training one")
        .contains("score ")
        .doesNotContain("score: skipped");
    reference = LakehouseContent.of(spark, referenceLake, ACROSS_RUNS);
    assertThat(reference.keySet())
        .contains(
            "_quarantine",
            "silver/usage_events",
            "gold/kpi_monthly",
            "gold/churn_features",
            "gold/model_runs",
            "gold/churn_risk_scores",
            "gold/account_health",
            "gold/playbook_alerts",
            "gold/account_360",
            "gold/clv");
    assertThat(reference.get("gold/model_runs")).hasSize(1);
    // The tables of a whole run are those io.cslake.table.TableGraph declares, as it declares them.
    io.cslake.table.TableGraphTest.assertDeclares(spark, referenceLake);
    assertThat(reference.get("gold/churn_risk_scores")).isNotEmpty();
    demoSummary(run.out(), data, generated);

    // The reference's registered model, as a team promoting a model trained elsewhere would do:
    // train finds the model fits these very features (its fingerprint, computed on the cluster, is
    // the reference's) and score applies the same model, so every table can be compared. Training
    // on the cluster is checked by the last test.
    clusterLake = dir.resolve("cluster");
    copyTree(referenceLake.resolve("gold/model_runs"), clusterLake.resolve("gold/model_runs"));
    cluster = StandaloneCluster.start(thin, dir.resolve("cluster-daemons"), 2, "1500m");
    clusterLog = Files.createTempFile(dir, "cluster-run-", ".log");
    clusterRun = thin.start(dir, clusterLog, cluster.masterUrl(), args(clusterLake, "run"));
  }

  /**
   * {@code cslake demo} on an existing generated dataset ingests every source untouched (nothing
   * quarantined, nothing lost) and prints what it wrote.
   */
  private static void demoSummary(String out, Path data, Map<String, Long> generated) {
    Lakehouse lakehouse = new Lakehouse(referenceLake.toString());
    assertThat(out)
        .as("the existing dataset is used, not regenerated")
        .contains("used the sample " + data)
        .doesNotContain("Generating")
        .contains("Tables written under " + lakehouse.root());
    long read = 0;
    for (Source source : Source.values()) {
      long rows = generated.get(source.id());
      assertThat(rows).as(source.id() + " is not empty").isPositive();
      assertThat(out)
          .containsPattern(
              "silver/" + source.id() + " +" + String.format(Locale.ROOT, "%,d", rows) + " rows");
      read += rows;
    }
    for (String table :
        List.of(
            "silver/user_activity_daily",
            "silver/account_usage_daily",
            "gold/mrr_movements",
            "gold/kpi_monthly",
            "gold/cohort_retention",
            "gold/clv",
            "gold/clv_cohorts",
            "gold/churn_features",
            "gold/clv_model_params",
            "gold/account_360")) {
      assertThat(out).containsPattern(table + " +[0-9,]+ rows");
    }
    assertThat(out)
        .containsPattern("(?m)^clv [0-9A-Za-z-]+ as of ")
        .containsPattern("(?m)^score [0-9A-Za-z-]+ as of [0-9-]+ with churn-")
        .contains("the 10 riskiest accounts")
        .contains(String.format(Locale.ROOT, "input rows: %,d read, 0 quarantined", read))
        .contains(String.format(Locale.ROOT, "accounts: %,d (", generated.get("accounts")));
    // Every generated row passed ingest untouched: nothing quarantined, nothing lost.
    Map<String, Row> runs = new HashMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lakehouse.runs())
            .filter(col(RunsTable.COMMAND).equalTo(lit("ingest")))
            .filter(col(RunsTable.SOURCE).isNotNull())
            .collectAsList()) {
      runs.put(r.getAs(RunsTable.SOURCE), r);
    }
    assertThat(runs).hasSize(Source.values().length);
    for (Source source : Source.values()) {
      Row r = runs.get(source.id());
      long rows = generated.get(source.id());
      assertThat((long) r.getAs(RunsTable.ROWS_READ)).as(source.id() + " read").isEqualTo(rows);
      assertThat((long) r.getAs(RunsTable.ROWS_ACCEPTED))
          .as(source.id() + " accepted")
          .isEqualTo(rows);
      assertThat((long) r.getAs(RunsTable.ROWS_QUARANTINED)).as(source.id()).isZero();
      assertThat((long) r.getAs(RunsTable.ROWS_DUPLICATE)).as(source.id()).isZero();
    }
    // The headline month is the last month of kpi_monthly, with that month's company MRR.
    Row last =
        spark
            .read()
            .format("delta")
            .load(lakehouse.gold("kpi_monthly"))
            .filter(col("segment").equalTo(lit("ALL")))
            .orderBy(col("month").desc())
            .first();
    BigDecimal mrr = last.getAs("mrr");
    assertThat(mrr.signum()).isPositive();
    assertThat(out)
        .contains(
            last.getAs("month").toString().substring(0, 7)
                + ": MRR "
                + mrr.setScale(0, RoundingMode.HALF_UP).toPlainString()
                + " USD");
  }

  @AfterAll
  static void noChildLeftBehind() throws InterruptedException {
    // Only left running when a test failed before the cluster's test stopped them.
    if (clusterRun != null) {
      ThinJar.stop(clusterRun);
    }
    if (cluster != null) {
      cluster.close();
    }
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .as("processes the test started and did not stop")
        .isEmpty();
  }

  /**
   * {@code cslake command --conf run.conf} on {@code lake} in this JVM ({@code local[2]}, the
   * suite's Spark session); fails the test unless it exits with 0.
   */
  private static MainTest.Result inThisJvm(Path lake, String command) {
    MainTest.Result result =
        MainTest.run(
            command,
            "--conf",
            conf.toString(),
            "--set",
            "cslake.lakehouse=" + lake,
            "--set",
            "cslake.spark.master=local[2]");
    assertThat(result.exitCode()).as(command + ":\n" + result.out() + result.err()).isZero();
    return result;
  }

  /** The arguments of {@code cslake command --conf run.conf} on {@code lake}. */
  private static String[] args(Path lake, String command, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(command, "--conf", conf.toString(), "--set", "cslake.lakehouse=" + lake));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Order(1)
  @Test
  void everyCommandRunAgainLeavesEveryTableAsItWas() {
    // The only columns left out here are those holding the wall-clock time of the invocation.
    Map<String, List<String>> before =
        LakehouseContent.of(spark, referenceLake, LakehouseContent.WHEN_COLUMNS);
    // Only tables given a new version by the command are read again (Delta versions are immutable).
    Map<String, Long> versions = LakehouseContent.versions(referenceLake);
    // run is these commands in this order; run itself again is the last step of the crash test.
    for (String command : List.of("ingest", "metrics", "features", "train", "score", "clv")) {
      MainTest.Result again = inThisJvm(referenceLake, command);
      if (command.equals("train")) {
        assertThat(again.out()).as("train on the same features").contains("already trained: ");
      }
      Map<String, List<String>> after =
          LakehouseContent.of(
              spark, referenceLake, LakehouseContent.WHEN_COLUMNS, before, versions);
      assertThat(LakehouseContent.differences(before, after, SAME_RUN))
          .as("tables changed by running '" + command + "' a second time")
          .isEmpty();
    }
  }

  @Order(2)
  @Test
  void aRunKilledAtAnyPointLeavesReadableTablesAndReRunningMatchesACleanRun() throws Exception {
    Path lake = dir.resolve("crashed");
    // The first run of a new lakehouse, killed while ingesting (tables half created).
    killAt(lake, "ingest subscriptions: read", "run");
    // run is ingest, metrics, features, train, score, clv in order, each committing its own tables:
    // the stages before a kill point are brought forward here, the stage itself is killed in a
    // process of its own, as a scheduler retrying a failed stage would see it.
    for (String command : List.of("ingest", "metrics", "features")) {
      inThisJvm(lake, command);
    }
    // Training, killed while it validates (the model not yet registered).
    killAt(lake, "train: validating on the snapshot", "train");
    inThisJvm(lake, "train");
    // Scoring, killed after the scores' MERGE, while health, alerts and account_360 are written.
    killAt(lake, "accounts scored as of", "score");
    inThisJvm(lake, "run");
    assertThat(
            LakehouseContent.differences(
                reference, LakehouseContent.of(spark, lake, ACROSS_RUNS), SAME_RUN))
        .as("tables of the killed and re-run lakehouse that differ from a clean run's")
        .isEmpty();
  }

  @Order(3)
  @Test
  void aRunOnAStandaloneClusterWritesTheSameTablesAsALocalRun() throws Exception {
    boolean finished = clusterRun.waitFor(RUN_MINUTES, TimeUnit.MINUTES);
    String output = Files.readString(clusterLog, StandardCharsets.UTF_8);
    assertThat(finished)
        .as("the cluster's run finished within " + RUN_MINUTES + " minutes; output:\n" + output)
        .isTrue();
    assertThat(clusterRun.exitValue()).as(output).isZero();
    assertThat(output)
        .contains("train: skipped: the registered model")
        .contains("accounts scored as of");
    // The work ran on the workers' executors, not in the driver.
    for (String worker : List.of("worker-0", "worker-1")) {
      try (var apps = Files.list(dir.resolve("cluster-daemons").resolve(worker))) {
        assertThat(apps.toList()).as("an application folder on " + worker).isNotEmpty();
      }
    }
    assertThat(
            LakehouseContent.differences(
                reference,
                LakehouseContent.of(spark, clusterLake, ACROSS_RUNS),
                OTHER_LAYOUT,
                SPEND_FIT))
        .as("tables of the cluster run that differ from the local run's")
        .isEmpty();

    ThinJar.Submitted retrain =
        thin.submit(dir, cluster.masterUrl(), RUN_MINUTES, args(clusterLake, "train", "--retrain"));
    assertThat(retrain.exitCode()).as(retrain.output()).isZero();
    List<Row> runs =
        spark
            .read()
            .format("delta")
            .load(clusterLake.resolve("gold/model_runs").toString())
            .orderBy("trained_at")
            .select("roc_auc", "validation_rows", "train_rows")
            .collectAsList();
    assertThat(runs).as("the reference's model and the one trained on the cluster").hasSize(2);
    // Same rows; the trees may split differently where two splits gain the same up to rounding.
    assertThat(runs.get(1).getLong(1)).isEqualTo(runs.get(0).getLong(1));
    assertThat(runs.get(1).getLong(2)).isEqualTo(runs.get(0).getLong(2));
    assertThat(runs.get(1).getDouble(0))
        .as("validation ROC AUC of the model trained on the cluster")
        .isCloseTo(runs.get(0).getDouble(0), offset(0.05));
    cluster.close();
    assertThat(cluster.alive()).as("cluster processes still alive after close").isEmpty();
  }

  /**
   * Starts {@code cslake command} on {@code lake} in a child JVM (the thin jar, local[2]) and kills
   * it (SIGKILL: no shutdown hook runs) as soon as its log shows {@code marker}; then checks that
   * every table it left is a readable Delta table.
   */
  private static void killAt(Path lake, String marker, String command) throws Exception {
    Path log = Files.createTempFile(dir, "killed-", ".log");
    Process process = thin.start(dir, log, "local[2]", args(lake, command));
    boolean seen = false;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(RUN_MINUTES);
    while (System.nanoTime() < deadline && process.isAlive()) {
      if (Files.readString(log, StandardCharsets.UTF_8).contains(marker)) {
        seen = true;
        break;
      }
      Thread.sleep(100);
    }
    ThinJar.stop(process);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(seen).as("'" + marker + "' logged before the process ended:\n" + output).isTrue();
    assertThat(process.isAlive()).isFalse();
    for (Path table : LakehouseContent.tables(lake)) {
      assertThat(spark.read().format("delta").load(table.toString()).count())
          .as("rows of " + table + " after the kill at '" + marker + "'")
          .isGreaterThanOrEqualTo(0);
    }
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
