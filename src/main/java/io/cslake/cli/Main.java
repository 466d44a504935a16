package io.cslake.cli;

import io.cslake.CslakeException;
import java.io.PrintWriter;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of cslake, locally ({@code bin/cslake}) and under {@code spark-submit --class
 * io.cslake.cli.Main}. Exit codes: 0 success, 2 usage or configuration error, 3 input-contract
 * error, 1 anything else.
 */
@Command(
    name = "cslake",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = Main.Version.class,
    description = "Customer-success lakehouse on Apache Spark.",
    subcommands = {
      GenerateCommand.class,
      IngestCommand.class,
      MetricsCommand.class,
      FeaturesCommand.class,
      TrainCommand.class,
      ScoreCommand.class,
      ClvCommand.class,
      RunCommand.class,
      DemoCommand.class
    })
public final class Main implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command.");
  }

  public static void main(String[] args) {
    int code = run(args);
    SparkSession.getActiveSession().foreach(s -> stop(s));
    System.exit(code);
  }

  private static Object stop(SparkSession session) {
    session.stop();
    return null;
  }

  /** Runs a command line in this JVM and returns its exit code. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(Main::handle);
    return cli.execute(args);
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    PrintWriter err = cli.getErr();
    CslakeException known = find(e);
    if (known != null) {
      err.println("cslake: " + known.getMessage());
      if (known.getCause() != null) {
        LOG.error("Cause", known.getCause());
      }
      err.flush();
      return known.exitCode();
    }
    LOG.error("Unexpected failure", e);
    err.println(
        "cslake: "
            + cli.getCommandName()
            + " failed unexpectedly: "
            + e
            + " (the stack trace is in the log above; please report it).");
    err.flush();
    return CslakeException.FAILURE;
  }

  private static CslakeException find(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CslakeException c) {
        return c;
      }
    }
    return null;
  }

  /** The version from the jar's manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"cslake " + (v == null ? "development" : v)};
    }
  }
}
