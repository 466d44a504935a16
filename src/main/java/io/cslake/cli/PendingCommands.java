package io.cslake.cli;

import io.cslake.CslakeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Commands of SPEC §3 whose capability has not landed yet. Each is listed by {@code --help} and
 * exits 2 with "not available yet"; each moves to a class of its own when its issue lands.
 */
final class PendingCommands {
  private PendingCommands() {}

  private abstract static class Pending implements Callable<Integer> {
    @Mixin CommonOptions common;

    private final String name;

    Pending(String name) {
      this.name = name;
    }

    @Override
    public Integer call() {
      throw CslakeException.usage("'" + name + "' is not available yet in this version of cslake.");
    }
  }

  @Command(name = "run", description = "The whole pipeline in order (not available yet).")
  static final class Run extends Pending {
    Run() {
      super("run");
    }
  }
}
