package io.cslake.cli;

import io.cslake.CslakeException;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.job.GenerateJob;
import io.cslake.job.SparkSessions;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cslake generate}: a synthetic dataset of every source, with its ground truth. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Write a synthetic dataset of every source (SPEC section 7) to <out>/<source>/, and its ground"
          + " truth (hazard per account-month, churn month, causes) to <out>/_truth/.",
      "Same seed and parameters give the same content."
    })
final class GenerateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Option(
      names = "--accounts",
      paramLabel = "N",
      description = "Number of accounts (default: ${DEFAULT-VALUE}).")
  long accounts = GeneratorParams.DEFAULT_ACCOUNTS;

  @Option(
      names = "--months",
      paramLabel = "M",
      description = "Calendar months of data (default: ${DEFAULT-VALUE}).")
  int months = GeneratorParams.DEFAULT_MONTHS;

  @Option(
      names = "--start",
      paramLabel = "YYYY-MM-DD",
      description = "First day of data, the first of a month (default: ${DEFAULT-VALUE}).")
  String start = GeneratorParams.DEFAULT_START.toString();

  @Option(
      names = "--seed",
      paramLabel = "S",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = GeneratorParams.DEFAULT_SEED;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "PATH",
      description = "Output folder (any Hadoop URI); its source folders are replaced.")
  String out;

  @Option(
      names = "--events-scale",
      paramLabel = "X",
      description =
          "Multiplies the volume of usage events; 1.0 is realistic (tens to thousands of events per"
              + " account and day), the bundled sample uses 0.02 (default: ${DEFAULT-VALUE}).")
  double eventsScale = GeneratorParams.DEFAULT_EVENTS_SCALE;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "parquet or delta (default: ${DEFAULT-VALUE}).")
  String format = "parquet";

  @Option(
      names = "--without",
      paramLabel = "SOURCE",
      description =
          "Do not write this optional source (repeatable), e.g. --without surveys; accounts is"
              + " required and one of subscriptions or transactions must stay; without fx_rates"
              + " every account bills in USD, the reporting currency.")
  List<String> without = new ArrayList<>();

  @Override
  public Integer call() {
    GeneratorParams params = params();
    SparkSession spark = SparkSessions.create(common.load());
    long started = System.nanoTime();
    Map<String, Long> counts = GenerateJob.run(spark, params);
    double seconds = (System.nanoTime() - started) / 1e9;
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        Locale.ROOT,
        "Generated %d accounts x %d months from %s (seed %d, events scale %s) in %.1f s to %s:%n",
        params.accounts(),
        params.months(),
        params.start(),
        params.seed(),
        params.eventsScale(),
        seconds,
        params.out());
    counts.forEach((table, rows) -> w.printf(Locale.ROOT, "  %-28s %,14d rows%n", table, rows));
    w.flush();
    return 0;
  }

  GeneratorParams params() {
    LocalDate first;
    try {
      first = LocalDate.parse(start);
    } catch (DateTimeParseException e) {
      throw CslakeException.usage(
          "Cannot read --start '" + start + "': give a date as YYYY-MM-DD, e.g. 2024-11-01.");
    }
    GeneratorParams.Format outputFormat =
        Arrays.stream(GeneratorParams.Format.values())
            .filter(f -> f.id().equals(format.toLowerCase(Locale.ROOT)))
            .findFirst()
            .orElseThrow(
                () ->
                    CslakeException.usage(
                        "Cannot write format '"
                            + format
                            + "': --format must be parquet or delta."));
    Set<Source> off = EnumSet.noneOf(Source.class);
    for (String id : without) {
      Source source =
          Source.byId(id.trim().toLowerCase(Locale.ROOT))
              .orElseThrow(
                  () ->
                      CslakeException.usage(
                          "Cannot switch off unknown source '"
                              + id
                              + "': --without takes one of "
                              + Arrays.stream(Source.values())
                                  .filter(s -> !s.isRequired())
                                  .map(Source::id)
                                  .collect(Collectors.joining(", "))
                              + "."));
      off.add(source);
    }
    return new GeneratorParams(accounts, months, first, seed, eventsScale, outputFormat, out, off);
  }
}
