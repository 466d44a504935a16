package io.cslake.cli;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.job.ClvJob;
import io.cslake.job.FeaturesJob;
import io.cslake.job.IngestJob;
import io.cslake.job.JobContext;
import io.cslake.job.MetricsJob;
import io.cslake.job.ScoreJob;
import io.cslake.job.SparkSessions;
import io.cslake.job.TrainJob;
import io.cslake.model.ChurnModel;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cslake run}: the whole pipeline in order, in one Spark application. */
@Command(
    name = "run",
    description = {
      "The whole pipeline in order: ingest, metrics, features, train (only when no registered",
      "model fits the features, or with --retrain), score, clv; account_360 is rebuilt last so it",
      "holds the newest CLV. Each stage prints its report and records itself in _runs. Without",
      "enough labelled history to train and no model that fits, score writes health, account_360",
      "and alerts but no risk scores; without subscriptions, features and score are skipped and",
      "clv runs on the transactions. The reason is printed and the exit code is 4."
    })
final class RunCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Option(
      names = "--retrain",
      description = "Train a new model even when the registered one fits the features.")
  boolean retrain;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    Reports reports =
        runAll(spec.commandLine().getOut(), SparkSessions.create(config), config, retrain);
    return reports.exitCode();
  }

  /**
   * The reports of one pipeline run.
   *
   * @param train empty when an existing model was used or training was not possible
   * @param score what score wrote; without a model that fits (not enough labelled history to train
   *     one), health, account_360 and alerts only
   */
  record Reports(
      IngestJob.Report ingest,
      MetricsJob.Report metrics,
      Optional<FeaturesJob.Report> features,
      Optional<TrainJob.Report> train,
      Optional<ScoreJob.Report> score,
      ClvJob.Report clv,
      JobContext last) {

    /** 0 when every table was written; {@link #NO_MODEL} when there are no risk scores. */
    int exitCode() {
      return score.isPresent() && score.get().scored() ? 0 : NO_MODEL;
    }
  }

  /**
   * Exit code of a run that wrote every table but the churn risk scores, because no model could be
   * trained yet (the output says why). Not 0, so a scheduler shows it; not a failure code either.
   */
  static final int NO_MODEL = 4;

  /** Runs every stage, printing each stage's report to {@code out}. */
  static Reports runAll(PrintWriter out, SparkSession spark, CslakeConfig config, boolean retrain) {
    JobContext ingestCtx = JobContext.create(spark, config, "ingest");
    IngestJob.Report ingest = IngestJob.run(ingestCtx);
    IngestCommand.print(out, ingest, ingestCtx);
    JobContext metricsCtx = JobContext.create(spark, config, "metrics");
    MetricsJob.Report metrics = MetricsJob.run(metricsCtx);
    MetricsCommand.print(out, metrics, metricsCtx);

    JobContext featuresCtx = JobContext.create(spark, config, "features");
    Optional<String> noFeatures = FeaturesJob.whyNot(featuresCtx);
    Optional<FeaturesJob.Report> features = Optional.empty();
    Optional<TrainJob.Report> train = Optional.empty();
    Optional<ScoreJob.Report> score = Optional.empty();
    if (noFeatures.isPresent()) {
      // A company billed by transactions alone: CLV still runs, the churn model cannot.
      out.println(
          "features, train, score: skipped: "
              + noFeatures.get()
              + "; so no gold/churn_features, churn_risk_scores, churn_risk_latest,"
              + " account_health, health_backtest, account_360 or playbook_alerts.");
    } else {
      features = Optional.of(FeaturesJob.run(featuresCtx));
      FeaturesCommand.print(out, features.get());
      JobContext scoreCtx = JobContext.create(spark, config, "score");
      String whyTrain = retrain ? "--retrain" : usable(scoreCtx);
      train = trainIfNeeded(out, spark, config, scoreCtx, whyTrain);
      // A --retrain refused for too little history still scores with a registered model that fits.
      if (whyTrain == null || train.isPresent() || (retrain && usable(scoreCtx) == null)) {
        score = Optional.of(ScoreJob.run(scoreCtx));
      } else {
        out.println(
            "score: no registered model fits the features (see train above): gold/"
                + "churn_risk_scores and churn_risk_latest are not written; health, account_360"
                + " and playbook alerts are.");
        score = Optional.of(ScoreJob.runWithoutModel(scoreCtx));
      }
      ScoreCommand.print(out, score.get());
    }
    JobContext clvCtx = JobContext.create(spark, config, "clv");
    ClvJob.Report clv = ClvJob.run(clvCtx);
    ClvCommand.print(out, clv, clvCtx);
    if (score.isPresent() && score.get().scored()) {
      ScoreJob.refreshAccount360(clvCtx);
    } else {
      score.ifPresent(s -> ScoreJob.refreshAccount360(clvCtx, s.asOf()));
      out.println(
          "run: completed without churn risk scores (exit code "
              + NO_MODEL
              + "): every other table is written; see above why.");
    }
    out.flush();
    return new Reports(ingest, metrics, features, train, score, clv, clvCtx);
  }

  /**
   * Trains when {@code whyTrain} says so (null: the registered model fits the features); a model
   * that cannot be trained yet (too little labelled history: an input-contract error) is said, and
   * is not a failure.
   */
  private static Optional<TrainJob.Report> trainIfNeeded(
      PrintWriter out, SparkSession spark, CslakeConfig config, JobContext ctx, String whyTrain) {
    if (whyTrain == null) {
      out.println(
          "train: skipped: the registered model "
              + ScoreJob.latestModel(ctx).map(ChurnModel::version).orElseThrow()
              + " fits the features (--retrain trains a new one)");
      return Optional.empty();
    }
    out.println("train: " + whyTrain);
    try {
      TrainJob.Report report = TrainJob.run(JobContext.create(spark, config, "train"));
      TrainCommand.print(out, report);
      return Optional.of(report);
    } catch (CslakeException e) {
      if (e.exitCode() != CslakeException.CONTRACT) {
        throw e;
      }
      // Too little labelled history is a fact about the data: the other stages still run.
      out.println("train: skipped: " + e.getMessage());
      return Optional.empty();
    }
  }

  /** Why a model must be trained, or null when the registered one fits the features. */
  private static String usable(JobContext ctx) {
    Optional<ChurnModel> model = ScoreJob.latestModel(ctx);
    if (model.isEmpty()) {
      return "no model registered yet, training one";
    }
    List<String> mismatches = ScoreJob.mismatches(ctx, model.get());
    if (!mismatches.isEmpty()) {
      return "the registered model "
          + model.get().version()
          + " does not fit the features ("
          + String.join("; ", mismatches)
          + "), training a new one";
    }
    return null;
  }
}
