package io.cslake.cli;

import io.cslake.CslakeException;
import java.io.PrintWriter;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of cslake, locally ({@code bin/cslake}), under {@code spark-submit --class
 * io.cslake.cli.Main}, and embedded in a JVM that already runs Spark ({@link #run}). Exit codes: 0
 * success, 2 usage or configuration error, 3 input-contract error, 4 {@code run} completed without
 * churn risk scores (too little history to train yet), 1 anything else.
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

  /**
   * Runs a command line as a program: the exit code is the JVM's, and the SparkSession the command
   * used is stopped first. Embedding code calls {@link #run} instead.
   */
  public static void main(String[] args) {
    int code = run(args);
    SparkSession.getActiveSession().foreach(s -> stop(s));
    System.exit(code);
  }

  private static Object stop(SparkSession session) {
    session.stop();
    return null;
  }

  /**
   * Runs a command line in this JVM and returns its exit code, for a notebook, a Databricks JAR
   * task or any program that embeds cslake. Commands run on the SparkSession already running in the
   * JVM (the thread's active one, else the default one) whatever the configuration's master;
   * without one they start a session as {@code main} does (a master from spark-submit or {@code
   * cslake.spark.master}, else exit 2). The session is never stopped and the JVM never exits;
   * errors are printed to {@code System.err} and returned as their exit code, not thrown. cslake's
   * SQL settings (UTC session time zone, non-ANSI casts, shuffle partitions, {@code
   * cslake.spark.conf}) stay set on the session afterwards.
   */
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
