package io.cslake.cli;

import io.cslake.config.CslakeConfig;
import io.cslake.job.JobContext;
import io.cslake.job.SparkSessions;
import io.cslake.job.TrainJob;
import io.cslake.model.ChurnTrainer;
import io.cslake.model.Evaluation;
import io.cslake.model.FeatureImportances.Importance;
import io.cslake.model.TimeSplit;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cslake train}: fits, evaluates, calibrates and registers the churn model. */
@Command(
    name = "train",
    description = {
      "Train the churn model on the labelled snapshots of gold/churn_features: logistic",
      "regression and gradient-boosted trees, validated on the latest labelled snapshot (time",
      "split), chosen by PR-AUC, calibrated by isotonic regression, refitted, saved under",
      "models/churn/<version>/ and recorded in gold/model_runs. Run 'cslake features' first.",
      "When the newest registered model was trained on the same labelled rows with the same",
      "settings, nothing is trained: it says 'already trained: <version>' (--retrain forces)."
    })
final class TrainCommand implements Callable<Integer> {
  private static final int TOP_FEATURES = 10;

  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Option(
      names = "--retrain",
      description =
          "Train a new model even when the newest one was trained on the same features and"
              + " settings.")
  boolean retrain;

  @Override
  public Integer call() {
    CslakeConfig config = common.load();
    JobContext ctx = JobContext.create(SparkSessions.create(config), config, "train");
    if (!retrain) {
      Optional<String> same = TrainJob.alreadyTrained(ctx);
      if (same.isPresent()) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
            Locale.ROOT,
            "train %s: already trained: %s (gold/churn_features and the model settings are"
                + " unchanged since; --retrain trains a new model anyway)%n",
            ctx.runId(),
            same.get());
        out.flush();
        return 0;
      }
    }
    TrainJob.Report report = TrainJob.run(ctx);
    print(spec.commandLine().getOut(), report);
    return 0;
  }

  /** The mean calibrated probability, from the reliability bins. */
  static double meanPredicted(Evaluation e) {
    return e.calibration().stream().mapToDouble(b -> b.meanScore() * b.rows()).sum() / e.rows();
  }

  static void print(PrintWriter out, TrainJob.Report r) {
    out.printf(Locale.ROOT, "train %s -> %s%n", r.runId(), r.version());
    if (r.split() == TimeSplit.Method.TIME) {
      out.printf(
          Locale.ROOT,
          "  split by time: train on %d snapshot(s) %s .. %s, validate on %s%n",
          r.trainDates().size(),
          r.trainDates().get(0),
          r.trainDates().get(r.trainDates().size() - 1),
          r.validationDate());
    } else {
      out.printf(
          Locale.ROOT,
          "  split: stratified hold-out of accounts (only one usable snapshot date, %s): the"
              + " metrics measure unseen accounts, not the future%n",
          r.validationDate());
    }
    out.printf(
        Locale.ROOT,
        "  rows: train %d (churn rate %.1f%%), validation %d (churn rate %.1f%%)%n",
        r.trainRows(),
        100 * r.trainPositiveRate(),
        r.validationRows(),
        100 * r.validation().positiveRate());
    out.printf(
        Locale.ROOT,
        "  %-24s %8s %8s %8s %6s%n",
        "candidate",
        "PR-AUC",
        "ROC-AUC",
        "Brier",
        "lift");
    for (ChurnTrainer.CandidateResult c : r.candidates()) {
      Evaluation e = c.validation();
      out.printf(
          Locale.ROOT,
          "  %-24s %8.4f %8.4f %8.4f %6s%s%n",
          c.algorithm(),
          e.prAuc(),
          e.rocAuc(),
          e.brier(),
          e.liftTopDecile() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", e.liftTopDecile()),
          c.algorithm().equals(r.algorithm()) ? "  <- chosen" : "");
    }
    Evaluation v = r.validation();
    out.printf(
        Locale.ROOT,
        "  calibrated (isotonic, cross-fitted on validation): Brier %.4f, log loss %.4f, mean"
            + " predicted %.1f%% vs observed %.1f%%%n",
        v.brier(),
        v.logLoss(),
        100 * meanPredicted(v),
        100 * v.positiveRate());
    out.println("  calibration (validation, by score decile):");
    out.printf(Locale.ROOT, "    %4s %8s %14s %14s%n", "bin", "rows", "mean predicted", "observed");
    for (Evaluation.Bin b : v.calibration()) {
      out.printf(
          Locale.ROOT,
          "    %4d %8d %13.1f%% %13.1f%%%n",
          b.bin(),
          b.rows(),
          100 * b.meanScore(),
          100 * b.observed());
    }
    out.println("  top features:");
    r.importances().stream()
        .limit(TOP_FEATURES)
        .forEach(
            (Importance i) ->
                out.printf(Locale.ROOT, "    %-32s %5.1f%%%n", i.feature(), 100 * i.importance()));
    for (String left : r.left()) {
      out.println("  left out: " + left);
    }
    out.println("  model: " + r.modelPath());
    out.flush();
  }
}
