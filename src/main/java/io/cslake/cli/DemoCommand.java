package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.job.ClvJob;
import io.cslake.job.GenerateJob;
import io.cslake.job.IngestJob;
import io.cslake.job.JobContext;
import io.cslake.job.MetricsJob;
import io.cslake.job.ScoreJob;
import io.cslake.job.SparkSessions;
import io.cslake.job.TrainJob;
import io.cslake.model.ChurnScorer;
import io.cslake.table.Lakehouse;
import io.cslake.transform.Account360;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.UserActivityDaily;
import io.cslake.transform.features.ChurnFeatures;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cslake demo}: generates the bundled sample when it is absent, runs the whole pipeline on
 * it locally (as {@code run} does), and prints what was written, where, with a few headline figures
 * and the ten riskiest accounts with their drivers.
 */
@Command(
    name = "demo",
    description = {
      "Generate the sample if it is absent, run everything locally, print a short summary.",
      "Uses conf/local.conf through bin/cslake: inputs in datasets/sample, tables in ./lakehouse."
    })
final class DemoCommand implements Callable<Integer> {
  /** The parameters of the committed sample; datasets/README.md documents the same command. */
  static GeneratorParams sampleParams(String out) {
    return new GeneratorParams(
        SAMPLE_ACCOUNTS,
        SAMPLE_MONTHS,
        GeneratorParams.DEFAULT_START,
        SAMPLE_SEED,
        SAMPLE_EVENTS_SCALE,
        GeneratorParams.Format.PARQUET,
        out,
        Set.of());
  }

  static final long SAMPLE_ACCOUNTS = 300;
  static final int SAMPLE_MONTHS = 24;
  static final long SAMPLE_SEED = 7;
  static final double SAMPLE_EVENTS_SCALE = 0.007;

  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    CslakeConfig config = common.load();
    String sample = sampleFolder(config);
    SparkSession spark = SparkSessions.create(config);
    long t0 = System.nanoTime();
    boolean generated = false;
    Path accounts = new Path(sample, Source.ACCOUNTS.id());
    if (!accounts.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(accounts)) {
      out.println("Generating the sample into " + sample + " ...");
      out.flush();
      GenerateJob.run(spark, sampleParams(sample));
      generated = true;
    }
    RunCommand.Reports reports = RunCommand.runAll(out, spark, config, false);
    summary(
        out,
        spark,
        reports.last(),
        reports.ingest(),
        reports.metrics(),
        reports.clv(),
        config.reportingCurrency(),
        sample,
        generated,
        (System.nanoTime() - t0) / 1e9);
    return reports.exitCode();
  }

  /**
   * The folder the configuration reads the sample from: the parent of the accounts path, which the
   * generator's layout puts at {@code <sample>/accounts}.
   */
  static String sampleFolder(CslakeConfig config) {
    String accounts =
        config
            .source(Source.ACCOUNTS)
            .path()
            .orElseThrow(
                () ->
                    CslakeException.usage(
                        "Cannot run the demo: cslake.sources.accounts.path is not set. Run it"
                            + " through bin/cslake (conf/local.conf) or point the sources at a"
                            + " generated dataset."));
    Path parent = new Path(accounts).getParent();
    if (parent == null || !new Path(accounts).getName().equals(Source.ACCOUNTS.id())) {
      throw CslakeException.usage(
          "Cannot run the demo on "
              + accounts
              + ": the demo reads a generated dataset, whose accounts live at <folder>/accounts.");
    }
    return parent.toString();
  }

  private void summary(
      PrintWriter out,
      SparkSession spark,
      JobContext ctx,
      IngestJob.Report report,
      MetricsJob.Report metrics,
      ClvJob.Report clv,
      String currency,
      String sample,
      boolean generated,
      double seconds) {
    Lakehouse lakehouse = ctx.lakehouse();
    out.println();
    out.printf(
        Locale.ROOT,
        "cslake demo: %s sample %s, data up to %s, %.0f s%n",
        generated ? "generated the" : "used the",
        sample,
        metrics.asOf(),
        seconds);
    out.println("Tables written under " + lakehouse.root() + ":");
    for (IngestJob.SourceResult r : report.sources()) {
      String name = "silver/" + r.source().id();
      out.printf(
          Locale.ROOT,
          "  %-28s %,12d rows%n",
          name,
          rows(spark, lakehouse.silver(r.source().id())));
    }
    for (String rollup : List.of(UserActivityDaily.TABLE, AccountUsageDaily.TABLE)) {
      String path = lakehouse.silver(rollup);
      if (DeltaTable.isDeltaTable(spark, path)) {
        out.printf(Locale.ROOT, "  %-28s %,12d rows%n", "silver/" + rollup, rows(spark, path));
      }
    }
    for (MetricsJob.TableResult t : metrics.tables()) {
      out.printf(Locale.ROOT, "  %-28s %,12d rows%n", t.name(), t.rows());
    }
    for (MetricsJob.TableResult t : clv.tables()) {
      out.printf(Locale.ROOT, "  %-28s %,12d rows%n", t.name(), t.rows());
    }
    for (String table :
        List.of(
            ChurnFeatures.TABLE,
            TrainJob.MODEL_RUNS,
            ChurnScorer.TABLE,
            ScoreJob.LATEST,
            Account360.TABLE)) {
      String path = lakehouse.gold(table);
      if (DeltaTable.isDeltaTable(spark, path)) {
        out.printf(Locale.ROOT, "  %-28s %,12d rows%n", "gold/" + table, rows(spark, path));
      }
    }
    out.printf(
        Locale.ROOT, "  %-28s %,12d rows%n", "_quarantine", rows(spark, lakehouse.quarantine()));
    out.printf(Locale.ROOT, "  %-28s %,12d rows%n", "_runs", rows(spark, lakehouse.runs()));
    out.println("Headline:");
    List<Row> segments =
        spark
            .read()
            .format("delta")
            .load(lakehouse.silver(Source.ACCOUNTS.id()))
            .groupBy("segment")
            .agg(count("*").as("n"))
            .orderBy(col("n").desc())
            .collectAsList();
    StringBuilder seg = new StringBuilder();
    long total = 0;
    for (Row r : segments) {
      total += r.getLong(1);
      seg.append(seg.length() == 0 ? "" : ", ")
          .append(r.isNullAt(0) ? "unknown" : r.getString(0))
          .append(' ')
          .append(r.getLong(1));
    }
    out.printf(Locale.ROOT, "  accounts: %,d (%s)%n", total, seg);
    // From the per-user-day rollup: the demo does not scan the usage events again either.
    String userDays = lakehouse.silver(UserActivityDaily.TABLE);
    if (DeltaTable.isDeltaTable(spark, userDays)) {
      Row u =
          spark
              .read()
              .format("delta")
              .load(userDays)
              .agg(
                  sum(UserActivityDaily.EVENTS),
                  min(UserActivityDaily.EVENT_DATE),
                  max(UserActivityDaily.EVENT_DATE),
                  countDistinct(UserActivityDaily.ACCOUNT_ID, UserActivityDaily.USER_ID))
              .first();
      out.printf(
          Locale.ROOT,
          "  usage events: %,d from %s to %s, %,d distinct users%n",
          u.getLong(0),
          u.get(1),
          u.get(2),
          u.getLong(3));
    }
    long quarantined = report.sources().stream().mapToLong(r -> r.counts().quarantined()).sum();
    long read = report.sources().stream().mapToLong(r -> r.counts().read()).sum();
    out.printf(Locale.ROOT, "  input rows: %,d read, %,d quarantined%n", read, quarantined);
    metrics
        .latest()
        .ifPresent(
            l ->
                out.printf(
                    Locale.ROOT,
                    "  %s: MRR %s %s, ARR %s%n",
                    l.month().toString().substring(0, 7),
                    l.mrr().setScale(0, RoundingMode.HALF_UP).toPlainString(),
                    currency,
                    l.mrr().multiply(BigDecimal.valueOf(12)).setScale(0, RoundingMode.HALF_UP)));
    if (DeltaTable.isDeltaTable(spark, lakehouse.gold(ScoreJob.LATEST))) {
      ScoreCommand.printRiskiest(out, ctx, ScoreCommand.RISKIEST);
    } else {
      out.println("  churn risk: not scored (no model could be trained on this data; see train)");
    }
    out.flush();
  }

  private static long rows(SparkSession spark, String path) {
    return DeltaTable.isDeltaTable(spark, path)
        ? spark.read().format("delta").load(path).count()
        : 0;
  }
}
