package io.cslake.cli;

import io.cslake.CslakeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Placeholder until the generator lands. */
@Command(name = "generate", description = "Write a synthetic dataset of every source.")
final class GenerateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    throw CslakeException.usage("'generate' is not available yet in this version of cslake.");
  }
}
