package io.cslake.cli;

import io.cslake.config.CslakeConfig;
import io.cslake.job.FeaturesJob;
import io.cslake.job.JobContext;
import io.cslake.job.SparkSessions;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cslake features}: point-in-time churn feature snapshots, from silver. */
@Command(
    name = "features",
    description = {
      "Compute the point-in-time leading indicators and churn labels of every active account into",
      "gold/churn_features: the as-of date and the last day of each of the",
      "cslake.features.history-months months before it, in one pass (docs/metrics.md).",
      "--as-of (default: the last day with data in silver, at most today UTC) is the latest snapshot."
    })
final class FeaturesCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "features");
    FeaturesJob.Report report = FeaturesJob.run(ctx);
    print(spec.commandLine().getOut(), report);
    return 0;
  }

  static void print(PrintWriter out, FeaturesJob.Report r) {
    out.printf(Locale.ROOT, "features %s as of %s -> %s%n", r.runId(), r.asOf(), r.path());
    out.printf(
        Locale.ROOT,
        "  %d snapshots (%s .. %s), %d account-snapshots, %d feature columns%n",
        r.snapshots().size(),
        r.snapshots().get(0),
        r.snapshots().get(r.snapshots().size() - 1),
        r.rows(),
        r.featureColumns());
    out.printf(
        Locale.ROOT,
        "  labelled (horizon observable): %d, churned within the horizon: %d (%s)%n",
        r.labelled(),
        r.churned(),
        r.labelled() == 0
            ? "n/a"
            : String.format(Locale.ROOT, "%.1f%%", 100.0 * r.churned() / r.labelled()));
    out.println("  families: " + String.join(", ", r.families()));
    for (String skipped : r.skipped()) {
      out.println("  skipped: " + skipped);
    }
    out.flush();
  }
}
