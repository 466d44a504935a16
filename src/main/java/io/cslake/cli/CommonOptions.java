package io.cslake.cli;

import io.cslake.config.ConfigLoader;
import io.cslake.config.CslakeConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command takes: configuration files, overrides and the as-of date. */
public final class CommonOptions {
  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "HOCON configuration layered over the defaults of conf/cslake.conf (repeatable; later"
              + " files win). bin/cslake uses conf/local.conf when none is given.")
  List<File> conf = new ArrayList<>();

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

  /** Loads and validates the configuration these options name. */
  public CslakeConfig load() {
    return ConfigLoader.load(conf, set, asOf);
  }
}
