package io.cslake.cli;

import io.cslake.config.CslakeConfig;
import io.cslake.job.JobContext;
import io.cslake.job.MetricsJob;
import io.cslake.job.SparkSessions;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cslake metrics}: the revenue and retention tables, from silver. */
@Command(
    name = "metrics",
    description = {
      "Compute the revenue, retention, engagement and experience tables from silver:",
      "account_month_mrr, mrr_movements, kpi_monthly, cs_team_kpis, churn_reasons_monthly,",
      "cohort_retention, account_engagement, feature_adoption_monthly, account_experience and",
      "feedback_themes (docs/metrics.md). gold/clv is written by 'cslake clv'.",
      "--as-of (default: the last day with data in silver, at most today UTC) ends the last month."
    })
final class MetricsCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "metrics");
    MetricsJob.Report report = MetricsJob.run(ctx);
    print(spec.commandLine().getOut(), report, ctx);
    return 0;
  }

  static void print(PrintWriter out, MetricsJob.Report report, JobContext ctx) {
    out.printf(
        Locale.ROOT,
        "metrics %s as of %s -> %s%n",
        report.runId(),
        report.asOf(),
        ctx.lakehouse().root());
    out.printf(Locale.ROOT, "  %-28s %12s%n", "table", "rows");
    for (MetricsJob.TableResult t : report.tables()) {
      out.printf(Locale.ROOT, "  %-28s %12d%n", t.name(), t.rows());
    }
    for (String skipped : report.skipped()) {
      out.println("  skipped: " + skipped);
    }
    report
        .latest()
        .ifPresent(
            l ->
                out.printf(
                    Locale.ROOT,
                    "  %s (all segments): MRR %s %s, NRR %s, GRR %s, logo churn %s%n",
                    l.month().toString().substring(0, 7),
                    l.mrr().setScale(2, java.math.RoundingMode.HALF_UP).toPlainString(),
                    ctx.config().reportingCurrency(),
                    percent(l.nrr()),
                    percent(l.grr()),
                    percent(l.logoChurnRate())));
    out.flush();
  }

  private static String percent(Double fraction) {
    return fraction == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
  }
}
