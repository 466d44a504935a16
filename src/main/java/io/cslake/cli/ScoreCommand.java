package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;

import io.cslake.config.CslakeConfig;
import io.cslake.job.JobContext;
import io.cslake.job.ScoreJob;
import io.cslake.job.SparkSessions;
import io.cslake.model.ChurnScorer;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cslake score}: risk scores with drivers, health, playbook alerts and account_360. */
@Command(
    name = "score",
    description = {
      "Score every account of the newest gold/churn_features snapshot (or --as-of, which must be a",
      "snapshot date) with the latest model of gold/model_runs: gold/churn_risk_scores (calibrated",
      "probability, risk band, MRR at risk, top-5 drivers with exact contributions; MERGE per",
      "account and date), gold/churn_risk_latest and gold/account_360. Needs 'cslake features'",
      "and 'cslake train' first. Settings: cslake.model.risk-bands."
    })
final class ScoreCommand implements Callable<Integer> {
  /** Accounts listed by the report. */
  static final int RISKIEST = 10;

  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "score");
    ScoreJob.Report report = ScoreJob.run(ctx);
    PrintWriter out = spec.commandLine().getOut();
    print(out, report);
    printRiskiest(out, ctx, RISKIEST);
    return 0;
  }

  static void print(PrintWriter out, ScoreJob.Report r) {
    out.printf(
        Locale.ROOT,
        "score %s as of %s with %s (%s): %d accounts%n",
        r.runId(),
        r.asOf(),
        r.modelVersion(),
        r.algorithm(),
        r.accounts());
    out.printf(Locale.ROOT, "  %-8s %10s %16s%n", "risk", "accounts", "MRR at risk");
    for (ScoreJob.BandCount b : r.bands()) {
      out.printf(Locale.ROOT, "  %-8s %10d %16.2f%n", b.band(), b.accounts(), b.mrrAtRisk());
    }
    out.printf(Locale.ROOT, "  %-8s %10d %16.2f%n", "total", r.accounts(), r.mrrAtRisk());
  }

  /** The {@code n} accounts most likely to churn in the latest scores, with their drivers. */
  static void printRiskiest(PrintWriter out, JobContext ctx, int n) {
    List<Row> rows =
        ctx.spark()
            .read()
            .format("delta")
            .load(ctx.lakehouse().gold(ScoreJob.LATEST))
            .orderBy(desc(ChurnScorer.CHURN_PROBABILITY), col(ChurnScorer.ACCOUNT_ID))
            .select(
                ChurnScorer.ACCOUNT_ID,
                ChurnScorer.CHURN_PROBABILITY,
                ChurnScorer.MRR,
                ChurnScorer.TOP_DRIVERS)
            .limit(n)
            .collectAsList();
    out.printf(
        Locale.ROOT, "  the %d riskiest accounts (drivers: + raises risk, - lowers it)%n", n);
    for (Row r : rows) {
      String drivers =
          r.<Row>getList(3).stream()
              .map(
                  d ->
                      String.format(
                          Locale.ROOT,
                          "%s=%s (%+.2f)",
                          d.getString(0),
                          d.isNullAt(1) ? "null" : d.getString(1),
                          d.getDouble(2)))
              .collect(Collectors.joining(", "));
      out.printf(
          Locale.ROOT,
          "  %-14s %5.1f%%  MRR %10.2f  %s%n",
          r.getString(0),
          100 * r.getDouble(1),
          r.isNullAt(2) ? 0.0 : r.getDouble(2),
          drivers);
    }
  }
}
