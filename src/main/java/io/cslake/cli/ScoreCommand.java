package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;

import io.cslake.config.CslakeConfig;
import io.cslake.job.JobContext;
import io.cslake.job.ScoreJob;
import io.cslake.job.SparkSessions;
import io.cslake.model.ChurnScorer;
import io.cslake.transform.health.HealthBacktest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cslake score}: risk scores with drivers, health, playbook alerts and account_360. */
@Command(
    name = "score",
    description = {
      "Score every account of the newest gold/churn_features snapshot (or --as-of, which must be a",
      "snapshot date) with the latest model of gold/model_runs: gold/churn_risk_scores (calibrated",
      "probability, risk band, MRR at risk, top-5 drivers with exact contributions; MERGE per",
      "account and date), gold/churn_risk_latest and gold/account_360. Needs 'cslake features'",
      "and 'cslake train' first. Also gold/account_health for every snapshot and its backtest",
      "(gold/health_backtest). Settings: cslake.model.risk-bands, cslake.health."
    })
final class ScoreCommand implements Callable<Integer> {
  /** Accounts listed by the report. */
  static final int RISKIEST = 10;

  @Mixin CommonOptions common;

  @Option(
      names = "--fit-health-weights",
      description =
          "Also fit non-negative health component weights to the churn outcomes of the labelled"
              + " snapshots and print them beside the configured ones (not applied: copy them to"
              + " cslake.health.components.<name>.weight to use them).")
  boolean fitHealthWeights;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "score");
    ScoreJob.Report report = ScoreJob.run(ctx, fitHealthWeights);
    PrintWriter out = spec.commandLine().getOut();
    print(out, report);
    printRiskiest(out, ctx, RISKIEST);
    return 0;
  }

  static void print(PrintWriter out, ScoreJob.Report r) {
    if (r.scored()) {
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
    } else {
      out.printf(
          Locale.ROOT,
          "score %s as of %s without a churn model: no risk scores; gold/account_360 has %d"
              + " rows without risk columns%n",
          r.runId(),
          r.asOf(),
          r.account360Rows());
    }
    HealthBacktest.Auc all = r.healthBacktest().overall();
    out.printf(
        Locale.ROOT,
        "  health backtest: ROC-AUC of (100 - health) for churn within the horizon %s over %d"
            + " labelled account-snapshots (%d churned, %d dates; gold/health_backtest)%n",
        all.rocAuc() == null
            ? "n/a (one outcome only)"
            : String.format(Locale.ROOT, "%.3f", all.rocAuc()),
        all.accounts(),
        all.churned(),
        r.healthBacktest().byDate().size());
    r.healthWeights().ifPresent(w -> printWeights(out, w));
    ScoreJob.Alerts a = r.alerts();
    out.printf(
        Locale.ROOT,
        "  playbook alerts: %d opened %s, %d closed, %d open (gold/playbook_alerts)%n",
        a.opened().values().stream().mapToLong(Long::longValue).sum(),
        a.opened(),
        a.closed(),
        a.open());
    for (String skipped : a.skipped()) {
      out.println("  playbook rule skipped: " + skipped);
    }
  }

  static void printWeights(PrintWriter out, HealthBacktest.WeightFit w) {
    out.printf(Locale.ROOT, "  health weights fitted to churn on %d labelled rows:%n", w.rows());
    out.printf(Locale.ROOT, "    %-14s %10s %10s%n", "component", "configured", "fitted");
    for (Map.Entry<String, Double> e : w.configured().entrySet()) {
      Double fitted = w.fitted().get(e.getKey());
      out.printf(
          Locale.ROOT,
          "    %-14s %10.3f %10s%n",
          e.getKey(),
          e.getValue(),
          fitted == null ? "n/a" : String.format(Locale.ROOT, "%.3f", fitted));
    }
    out.printf(
        Locale.ROOT,
        "    ROC-AUC        %10s %10s%n",
        w.configuredRocAuc() == null
            ? "n/a"
            : String.format(Locale.ROOT, "%.3f", w.configuredRocAuc()),
        w.fittedRocAuc() == null ? "n/a" : String.format(Locale.ROOT, "%.3f", w.fittedRocAuc()));
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
        Locale.ROOT,
        "  the %d riskiest accounts (drivers: feature=value (contribution to the margin; + raises the risk, - lowers it))%n",
        n);
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
