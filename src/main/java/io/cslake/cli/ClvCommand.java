package io.cslake.cli;

import io.cslake.config.CslakeConfig;
import io.cslake.job.ClvJob;
import io.cslake.job.JobContext;
import io.cslake.job.MetricsJob;
import io.cslake.job.SparkSessions;
import io.cslake.transform.clv.ClvTables;
import io.cslake.transform.clv.ShiftedBetaGeometric;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cslake clv}: customer lifetime value tables, from silver (and churn scores if any). */
@Command(
    name = "clv",
    description = {
      "Customer lifetime value (docs/metrics.md): gold/clv (revenue to date, BG/NBD + Gamma-Gamma",
      "predictions from transactions, contractual CLV from gold/churn_risk_scores if present),",
      "gold/clv_cohorts (sBG retention per segment and cohort) and gold/clv_model_params.",
      "Needs 'cslake ingest' and, with subscriptions, 'cslake metrics' first. Settings: cslake.clv.",
      "--as-of (default: the last day with data in silver) ends the BG/NBD calibration period."
    })
final class ClvCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "clv");
    ClvJob.Report report = ClvJob.run(ctx);
    print(spec.commandLine().getOut(), report, ctx);
    return 0;
  }

  static void print(PrintWriter out, ClvJob.Report report, JobContext ctx) {
    CslakeConfig config = ctx.config();
    out.printf(
        Locale.ROOT,
        "clv %s as of %s -> %s%n",
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
    for (ClvTables.ModelFit fit : report.fits()) {
      if (fit.group().contains("/")) {
        continue; // single sBG cohorts: in gold/clv_cohorts
      }
      String extra = "";
      if (fit.model().equals(ShiftedBetaGeometric.MODEL)) {
        double lifetime =
            ShiftedBetaGeometric.expectedLifetime(
                new ShiftedBetaGeometric.Params(
                    fit.params().get(ClvTables.ALPHA), fit.params().get(ClvTables.BETA)));
        extra =
            Double.isFinite(lifetime)
                ? String.format(Locale.ROOT, ", expected lifetime %.1f months", lifetime)
                : ", expected lifetime infinite (alpha <= 1)";
      }
      out.printf(
          Locale.ROOT,
          "  %s %s (%,d customers): %s, log-likelihood %.1f%s%s%n",
          fit.model(),
          fit.group(),
          fit.customers(),
          format(fit.params()),
          fit.logLikelihood(),
          extra,
          boundNote(fit));
    }
    if (report.cohortsFitted() + report.cohortsSkipped() > 0) {
      out.printf(
          Locale.ROOT,
          "  sbg cohorts: %d fitted, %d skipped (fewer than %d customers or %d months observed)%n",
          report.cohortsFitted(),
          report.cohortsSkipped(),
          ClvJob.MIN_COHORT_CUSTOMERS,
          ClvJob.MIN_COHORT_PERIODS);
    }
    if (report.predictedClv() != null) {
      out.printf(
          Locale.ROOT,
          "  predicted CLV (BG/NBD + Gamma-Gamma, %d months): %,.0f %s in total%n",
          config.clv().horizonMonths(),
          report.predictedClv(),
          config.reportingCurrency());
    }
    if (report.contractual()) {
      out.printf(
          Locale.ROOT,
          "  contractual CLV (%d months): %s%n",
          config.clv().horizonMonths(),
          report.contractualClv() == null
              ? "n/a"
              : String.format(
                  Locale.ROOT,
                  "%,.0f %s in total",
                  report.contractualClv(),
                  config.reportingCurrency()));
    } else {
      out.println(
          "  contractual CLV: not computed (no gold/churn_risk_scores; run 'cslake score').");
    }
    out.flush();
  }

  /**
   * For a fit with parameters at the optimiser's bounds: which, and what that means (empty
   * otherwise).
   */
  static String boundNote(ClvTables.ModelFit fit) {
    List<String> near = fit.nearBound();
    if (near.isEmpty()) {
      return "";
    }
    return "; "
        + String.join(", ", near)
        + (near.size() == 1 ? " is" : " are")
        + " at the fit's bound (1e-6 .. 1e6): the data identify only the model's limit there,"
        + " not "
        + (near.size() == 1 ? "that value" : "those values");
  }

  private static String format(Map<String, Double> params) {
    return params.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s=%.4g", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }
}
