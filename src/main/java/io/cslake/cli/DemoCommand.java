package io.cslake.cli;

import io.cslake.CslakeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the generator lands. */
@Command(name = "demo", description = "Generate the sample if absent and run everything locally.")
final class DemoCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    throw CslakeException.usage("'demo' is not available yet in this version of cslake.");
  }
}
