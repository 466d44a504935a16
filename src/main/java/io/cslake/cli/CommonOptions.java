package io.cslake.cli;

import io.cslake.config.ConfSource;
import io.cslake.config.ConfigLoader;
import io.cslake.config.CslakeConfig;
import io.cslake.job.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Options every command takes: configuration files and inline HOCON, overrides and the as-of date.
 */
public final class CommonOptions {
  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "HOCON configuration layered over the defaults of conf/cslake.conf (repeatable; later"
              + " ones win): a local path, or a URI of any Hadoop file system (s3a://, abfss://,"
              + " gs://, hdfs://, dbfs:/, file://) read with the Spark session's credentials."
              + " bin/cslake uses conf/local.conf when none is given.")
  List<String> conf = new ArrayList<>();

  @Option(
      names = "--conf-string",
      paramLabel = "HOCON",
      description =
          "Inline HOCON, e.g. --conf-string 'cslake.lakehouse = \"s3a://lake/cs\"' (repeatable;"
              + " layered with the --conf files in the order given).")
  List<String> confString = new ArrayList<>();

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override one key, e.g. --set cslake.lakehouse=/tmp/lh (repeatable; wins over files).")
  List<String> set = new ArrayList<>();

  @Option(
      names = "--as-of",
      paramLabel = "YYYY-MM-DD",
      description = "The last day included (default: the command's own, see --help of each).")
  String asOf;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** Loads and validates the configuration these options name. */
  public CslakeConfig load() {
    return ConfigLoader.load(sources(), set, asOf, SparkSessions::hadoopConfiguration);
  }

  /**
   * The {@code --conf} and {@code --conf-string} values in the order the command line gave them
   * (each option's values in order, interleaved as they were matched).
   */
  List<ConfSource> sources() {
    List<ConfSource> sources = new ArrayList<>();
    CommandLine.ParseResult parsed =
        command == null || command.commandLine() == null
            ? null
            : command.commandLine().getParseResult();
    int files = 0;
    int strings = 0;
    if (parsed != null) {
      ArgSpec confOption = command.findOption("--conf");
      ArgSpec stringOption = command.findOption("--conf-string");
      for (ArgSpec matched : parsed.matchedArgs()) {
        if (matched == confOption && files < conf.size()) {
          sources.add(ConfSource.location(conf.get(files++)));
        } else if (matched == stringOption && strings < confString.size()) {
          sources.add(ConfSource.inline(confString.get(strings), ++strings));
        }
      }
    }
    while (files < conf.size()) {
      sources.add(ConfSource.location(conf.get(files++)));
    }
    while (strings < confString.size()) {
      sources.add(ConfSource.inline(confString.get(strings), ++strings));
    }
    return sources;
  }
}
