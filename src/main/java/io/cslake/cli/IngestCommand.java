package io.cslake.cli;

import io.cslake.CslakeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until ingest lands. */
@Command(name = "ingest", description = "Validate every source, quarantine bad rows, build silver.")
final class IngestCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    throw CslakeException.usage("'ingest' is not available yet in this version of cslake.");
  }
}
