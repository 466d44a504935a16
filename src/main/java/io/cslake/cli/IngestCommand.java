package io.cslake.cli;

import io.cslake.config.CslakeConfig;
import io.cslake.job.IngestJob;
import io.cslake.job.JobContext;
import io.cslake.job.SparkSessions;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cslake ingest}: validate every source, quarantine bad rows, build silver. */
@Command(
    name = "ingest",
    description = {
      "Read and validate every configured source; quarantine bad rows; build the silver tables.",
      "Usage events are ingested incrementally by event date (cslake.ingest.usage-lookback-days).",
      "--as-of (default: today, UTC) bounds timestamps: later ones are quarantined."
    })
final class IngestCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "ingest");
    IngestJob.Report report = IngestJob.run(ctx);
    print(spec.commandLine().getOut(), report, ctx);
    return 0;
  }

  static void print(PrintWriter out, IngestJob.Report report, JobContext ctx) {
    out.printf(
        Locale.ROOT,
        "ingest %s as of %s -> %s%n",
        report.runId(),
        report.asOf(),
        ctx.lakehouse().root());
    out.printf(
        Locale.ROOT,
        "  %-16s %12s %12s %12s %10s%n",
        "source",
        "read",
        "accepted",
        "quarantined",
        "duplicates");
    for (IngestJob.SourceResult r : report.sources()) {
      out.printf(
          Locale.ROOT,
          "  %-16s %12d %12d %12d %10d%s%n",
          r.source().id(),
          r.counts().read(),
          r.counts().accepted(),
          r.counts().quarantined(),
          r.counts().duplicates(),
          r.window().map(w -> "  (dates from " + w + ")").orElse(""));
    }
    if (!report.skipped().isEmpty()) {
      out.println(
          "  not configured: "
              + String.join(", ", report.skipped().stream().map(s -> s.id()).toList()));
    }
    out.flush();
  }
}
