package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.xxhash64;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig;
import io.cslake.model.Candidates;
import io.cslake.model.ChurnTrainer;
import io.cslake.model.Evaluation;
import io.cslake.model.FeatureImportances;
import io.cslake.model.FeatureImportances.Importance;
import io.cslake.model.TimeSplit;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.ChurnLabels;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train} (SPEC §6.2): fits the churn model on the labelled snapshots of {@code
 * gold/churn_features}, split by time (or, with a single usable snapshot date, by a stratified
 * hold-out of accounts, said in the log and in {@code model_runs}), chooses between logistic
 * regression and gradient-boosted trees by validation PR-AUC, calibrates, refits, saves the
 * pipeline, its calibration map and its feature schema under {@code models/churn/<version>/} and
 * appends one row to {@code gold/model_runs}.
 *
 * <p>Each row of {@code model_runs} carries the fingerprint of what the model was trained on (the
 * labelled rows of churn_features, their schema and the training settings): {@link #alreadyTrained}
 * finds the newest model trained on the same inputs, so {@code cslake train} run twice registers
 * one model (docs/operations.md).
 *
 * <p>Features: every column of churn_features but the keys and the label columns; strings are
 * categorical, numbers and booleans numeric; a column with no value, or one value only, in the
 * training rows is left out (logged, and recorded in {@code model_runs.features_left_out}).
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  public static final String MODEL_RUNS = "model_runs";

  /** Columns of churn_features that are not features. */
  static final Set<String> NOT_FEATURES =
      Set.of(
          ChurnFeatures.ACCOUNT_ID,
          ChurnFeatures.AS_OF_DATE,
          ChurnLabels.LABEL,
          ChurnLabels.CHURN_DATE,
          ChurnLabels.OBSERVABLE);

  private TrainJob() {}

  /**
   * The outcome of a training run.
   *
   * @param version the model version, {@code churn-<run id>}
   * @param validation the chosen model's calibrated scores on validation (cross-fitted): its Brier
   *     score, log loss and reliability table; ranking metrics come from {@link #chosen()}
   * @param importances largest first
   * @param left features left out, each with why
   */
  public record Report(
      String runId,
      String version,
      String modelPath,
      TimeSplit.Method split,
      LocalDate validationDate,
      List<LocalDate> trainDates,
      long trainRows,
      long validationRows,
      double trainPositiveRate,
      String algorithm,
      Map<String, String> params,
      List<ChurnTrainer.CandidateResult> candidates,
      Evaluation validation,
      List<Importance> importances,
      Candidates.Schema schema,
      List<String> left) {

    /** The chosen candidate's uncalibrated validation result: how well it ranks. */
    public ChurnTrainer.CandidateResult chosen() {
      return candidates.stream()
          .filter(c -> c.algorithm().equals(algorithm))
          .findFirst()
          .orElseThrow();
    }
  }

  /** Trains and registers a model. */
  public static Report run(JobContext ctx) {
    return ctx.recorded(
        () -> compute(ctx, Timestamp.from(Instant.now())),
        report ->
            String.format(
                Locale.ROOT,
                "%s %s (%s split): validation PR-AUC %.4f, ROC-AUC %.4f",
                report.version(),
                report.algorithm(),
                report.split().id(),
                report.chosen().validation().prAuc(),
                report.chosen().validation().rocAuc()));
  }

  private static Report compute(JobContext ctx, Timestamp started) {
    CslakeConfig config = ctx.config();
    String featuresPath = ctx.lakehouse().gold(ChurnFeatures.TABLE);
    if (!DeltaTable.isDeltaTable(ctx.spark(), featuresPath)) {
      throw CslakeException.contract(
          "Cannot train: there is no table gold/"
              + ChurnFeatures.TABLE
              + " at "
              + featuresPath
              + ". Run 'cslake features' with the same lakehouse first.");
    }
    Dataset<Row> features = ctx.spark().read().format("delta").load(featuresPath);
    Dataset<Row> labelled = features.filter(col(ChurnLabels.OBSERVABLE)).cache();
    try {
      return train(ctx, config, labelled, started, fingerprint(labelled, config));
    } finally {
      labelled.unpersist();
    }
  }

  private static Report train(
      JobContext ctx,
      CslakeConfig config,
      Dataset<Row> labelled,
      Timestamp started,
      String fingerprint) {
    Row sizes =
        labelled
            .agg(
                count(lit(1)),
                org.apache.spark.sql.functions.sum(col(ChurnLabels.LABEL).cast("long")))
            .first();
    long rows = sizes.getLong(0);
    long churned = sizes.isNullAt(1) ? 0 : sizes.getLong(1);
    if (rows == 0) {
      throw CslakeException.contract(
          "Cannot train yet: no snapshot of gold/"
              + ChurnFeatures.TABLE
              + " has an observable label; needs a snapshot with cslake.features.horizon-days +"
              + " churn-grace-days = "
              + config.features().labelWindowDays()
              + " days of data after it. Add history (cslake.features.history-months) or wait for"
              + " more data.");
    }
    if (churned == 0 || churned == rows) {
      throw CslakeException.contract(
          "Cannot train yet: "
              + labelledDates(labelled)
              + " labelled snapshot(s), "
              + rows
              + " account-snapshots with "
              + churned
              + " churned; needs both churned and retained accounts. Add history"
              + " (cslake.features.history-months), wait for more data, or check the"
              + " subscriptions' end dates.");
    }
    CslakeConfig.ModelSettings m = config.model();
    TimeSplit.Split split =
        TimeSplit.split(
            labelled, config.features().labelWindowDays(), m.holdoutFraction(), m.seed());
    if (split.method() == TimeSplit.Method.STRATIFIED_HOLDOUT) {
      LOG.warn(
          "train: only one usable snapshot date ({} labelled date(s), none old enough to train"
              + " before the latest); falling back to a stratified hold-out of {} % of the"
              + " accounts. Its metrics measure accounts the model did not see, not the future.",
          split.trainDates().size(), Math.round(100 * m.holdoutFraction()));
    } else {
      LOG.info(
          "train: validating on the snapshot of {}, training on {} snapshot(s) from {} to {}",
          split.validationDate(),
          split.trainDates().size(),
          split.trainDates().get(0),
          split.trainDates().get(split.trainDates().size() - 1));
    }
    requireBothOutcomes(split.train(), "training", split);
    requireBothOutcomes(split.validation(), "validation", split);
    // The features are chosen on the rows the candidates are fitted on: a column with values only
    // in the validation snapshot (a young company's first surveys) cannot be imputed from training.
    List<String> left = new ArrayList<>();
    Candidates.Schema schema = schema(split.train(), left);
    if (schema.numeric().isEmpty() && schema.categorical().isEmpty()) {
      throw CslakeException.contract(
          "Cannot train yet: no feature of gold/"
              + ChurnFeatures.TABLE
              + " varies over the "
              + split.trainDates().size()
              + " training snapshot(s) ("
              + String.join("; ", left)
              + "); needs at least one feature with two different values. Add history"
              + " (cslake.features.history-months) or wait for more data.");
    }

    ChurnTrainer.Settings settings =
        new ChurnTrainer.Settings(
            m.regParam(), m.elasticNet(), m.trees(), m.depth(), m.maxBins(), m.seed());
    ChurnTrainer.Result result =
        ChurnTrainer.train(split.train(), split.validation(), schema, settings);
    List<Importance> importances =
        FeatureImportances.of(
            result.model(),
            schema,
            result.model().transform(ChurnTrainer.prepared(split.validation(), schema)).schema());

    String version = "churn-" + ctx.runId();
    String modelPath = ctx.lakehouse().models() + "/churn/" + version;
    save(ctx, result, schema, modelPath);

    double trainRate =
        split
            .train()
            .agg(org.apache.spark.sql.functions.avg(col(ChurnLabels.LABEL)))
            .first()
            .getDouble(0);
    Map<String, String> params = params(result.algorithm(), m, config);
    Report report =
        new Report(
            ctx.runId(),
            version,
            modelPath,
            split.method(),
            split.validationDate(),
            split.trainDates(),
            result.trainRows(),
            result.validationRows(),
            trainRate,
            result.algorithm(),
            params,
            result.candidates(),
            result.validation(),
            importances,
            schema,
            left);
    // mergeSchema: a model_runs table written before input_fingerprint existed gains the column.
    modelRunRow(ctx, report, started, fingerprint)
        .write()
        .format("delta")
        .mode("append")
        .option("mergeSchema", "true")
        .save(ctx.lakehouse().gold(MODEL_RUNS));
    LOG.info("train: {} registered: {} at {}", version, result.algorithm(), modelPath);
    return report;
  }

  /**
   * The newest registered model when it was trained on the same inputs as a training run now would
   * be (same {@link #fingerprint}) and its files are still there; a {@code _runs} row records the
   * finding. Empty when there is no such model: train.
   */
  public static Optional<String> alreadyTrained(JobContext ctx) {
    String runs = ctx.lakehouse().gold(MODEL_RUNS);
    String featuresPath = ctx.lakehouse().gold(ChurnFeatures.TABLE);
    if (!DeltaTable.isDeltaTable(ctx.spark(), runs)
        || !DeltaTable.isDeltaTable(ctx.spark(), featuresPath)) {
      return Optional.empty();
    }
    Dataset<Row> registered = ctx.spark().read().format("delta").load(runs);
    if (!Arrays.asList(registered.columns()).contains(INPUT_FINGERPRINT)) {
      return Optional.empty();
    }
    List<Row> newest =
        registered
            .orderBy(desc(TRAINED_AT))
            .select(MODEL_VERSION, INPUT_FINGERPRINT, ARTIFACT_PATH)
            .limit(1)
            .collectAsList();
    if (newest.isEmpty() || newest.get(0).isNullAt(1)) {
      return Optional.empty();
    }
    Row r = newest.get(0);
    String now =
        fingerprint(
            ctx.spark()
                .read()
                .format("delta")
                .load(featuresPath)
                .filter(col(ChurnLabels.OBSERVABLE)),
            ctx.config());
    if (!now.equals(r.getString(1)) || !exists(ctx, r.getString(2) + "/pipeline")) {
      return Optional.empty();
    }
    String version = r.getString(0);
    return Optional.of(
        ctx.recorded(
            () -> version,
            v -> "already trained: " + v + " (same churn_features and model settings)"));
  }

  private static boolean exists(JobContext ctx, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(ctx.spark().sparkContext().hadoopConfiguration()).exists(p);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * What a model is trained on, as a SHA-256 hex string: the training settings, the schema of the
   * labelled rows and their content (count and two order-independent sums of row hashes, doubles to
   * 6 significant digits, so a rewrite of the same rows by {@code features} gives the same
   * fingerprint).
   */
  static String fingerprint(Dataset<Row> labelled, CslakeConfig config) {
    CslakeConfig.ModelSettings m = config.model();
    // Doubles to 6 significant digits: Spark's floating-point sums are not bit-reproducible (the
    // order of a sum's terms varies between runs), so features rewriting the same data may differ
    // in the last bits; that must not count as new inputs.
    List<Column> values = new ArrayList<>();
    for (StructField f : labelled.schema().fields()) {
      Column c = col(f.name());
      boolean floating =
          f.dataType().equals(DataTypes.DoubleType) || f.dataType().equals(DataTypes.FloatType);
      values.add(floating ? format_string("%.6g", c).as(f.name()) : c);
    }
    Column row = to_json(struct(values.toArray(Column[]::new)));
    Row sums =
        labelled
            .agg(
                count(lit(1)),
                sum(xxhash64(row).cast(DataTypes.createDecimalType(38, 0))),
                sum(hash(row).cast(DataTypes.LongType)))
            .first();
    String text =
        String.join(
            "|",
            trainingSettings(m),
            "horizon_days=" + config.features().horizonDays(),
            "churn_grace_days=" + config.features().churnGraceDays(),
            labelled.schema().json(),
            String.valueOf(sums.get(0)),
            String.valueOf(sums.get(1)),
            String.valueOf(sums.get(2)));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Model settings that only label scores (the risk bands): not part of what a model is. */
  private static final Set<String> LABELLING_SETTINGS = Set.of("riskHigh", "riskMedium");

  /**
   * Every {@code cslake.model} setting but the risk bands, as {@code name=value|...}: read from the
   * record's components, so a setting added to it is part of the fingerprint without a change here.
   */
  static String trainingSettings(CslakeConfig.ModelSettings m) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : CslakeConfig.ModelSettings.class.getRecordComponents()) {
      if (LABELLING_SETTINGS.contains(c.getName())) {
        continue;
      }
      try {
        out.add(c.getName() + "=" + c.getAccessor().invoke(m));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return String.join("|", out);
  }

  /**
   * The feature schema of the training rows: strings categorical, numbers and booleans numeric. A
   * column with no value in any training row, or with one value only (after imputation every row
   * would hold it), carries nothing a model can learn and is left out, with why.
   */
  static Candidates.Schema schema(Dataset<Row> training, List<String> left) {
    List<String> candidates = new ArrayList<>();
    List<Column> stats = new ArrayList<>();
    for (StructField f : training.schema().fields()) {
      if (NOT_FEATURES.contains(f.name())) {
        continue;
      }
      DataType t = f.dataType();
      if (t instanceof NumericType || t instanceof BooleanType || t.equals(DataTypes.StringType)) {
        candidates.add(f.name());
        Column c = t.equals(DataTypes.StringType) ? col(f.name()) : col(f.name()).cast("double");
        stats.add(count(col(f.name())));
        stats.add(min(c).cast("string"));
        stats.add(max(c).cast("string"));
      } else {
        left.add(f.name() + " (type " + t.simpleString() + " is not a feature type)");
      }
    }
    List<String> numeric = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    if (candidates.isEmpty()) {
      return new Candidates.Schema(numeric, categorical);
    }
    // One pass over the training rows for every column's count, minimum and maximum.
    Row r =
        training.agg(stats.get(0), stats.subList(1, stats.size()).toArray(Column[]::new)).first();
    for (int i = 0; i < candidates.size(); i++) {
      String name = candidates.get(i);
      if (r.getLong(3 * i) == 0) {
        left.add(name + " (no value in any training row)");
      } else if (r.getString(3 * i + 1).equals(r.getString(3 * i + 2))) {
        left.add(name + " (the same value, " + r.getString(3 * i + 1) + ", in every training row)");
      } else if (training.schema().apply(name).dataType().equals(DataTypes.StringType)) {
        categorical.add(name);
      } else {
        numeric.add(name);
      }
    }
    for (String l : left) {
      LOG.info("train: feature left out: {}", l);
    }
    return new Candidates.Schema(numeric, categorical);
  }

  private static void requireBothOutcomes(Dataset<Row> rows, String side, TimeSplit.Split split) {
    Row r =
        rows.agg(
                count(lit(1)),
                org.apache.spark.sql.functions.sum(col(ChurnLabels.LABEL).cast("long")))
            .first();
    long n = r.getLong(0);
    long churned = r.isNullAt(1) ? 0 : r.getLong(1);
    if (churned == 0 || churned == n) {
      String dates =
          split.method() == TimeSplit.Method.TIME
              ? (side.equals("training")
                  ? split.trainDates().size()
                      + " training snapshot(s) from "
                      + split.trainDates().get(0)
                      + " to "
                      + split.trainDates().get(split.trainDates().size() - 1)
                  : "the validation snapshot of " + split.validationDate())
              : "the " + side + " accounts of the stratified hold-out";
      throw CslakeException.contract(
          String.format(
              Locale.ROOT,
              "Cannot train yet: %s hold %d account-snapshots with %d churned; needs both churned"
                  + " and retained accounts on each side of the time split. Add history"
                  + " (cslake.features.history-months), more accounts, or wait for more data.",
              dates,
              n,
              churned));
    }
  }

  /** How many snapshot dates {@code labelled} holds (one per month of history: a small list). */
  private static long labelledDates(Dataset<Row> labelled) {
    return labelled.select(ChurnFeatures.AS_OF_DATE).distinct().count();
  }

  private static Map<String, String> params(
      String algorithm, CslakeConfig.ModelSettings m, CslakeConfig config) {
    Map<String, String> p = new LinkedHashMap<>();
    if (algorithm.equals(Candidates.LOGISTIC_REGRESSION)) {
      p.put("reg_param", Double.toString(m.regParam()));
      p.put("elastic_net", Double.toString(m.elasticNet()));
    } else {
      p.put("trees", Integer.toString(m.trees()));
      p.put("depth", Integer.toString(m.depth()));
      p.put("max_bins", Integer.toString(m.maxBins()));
      p.put("step_size", "0.1");
      p.put("subsampling_rate", "0.8");
    }
    p.put("seed", Long.toString(m.seed()));
    p.put("class_weights", "balanced");
    p.put("calibration", "isotonic");
    p.put("horizon_days", Integer.toString(config.features().horizonDays()));
    p.put("churn_grace_days", Integer.toString(config.features().churnGraceDays()));
    return p;
  }

  /** Saves the pipeline, the calibration map and the feature schema (JSON). */
  private static void save(
      JobContext ctx, ChurnTrainer.Result result, Candidates.Schema schema, String path) {
    try {
      result.model().write().overwrite().save(path + "/pipeline");
      result.calibrator().write().overwrite().save(path + "/calibrator");
      Path file = new Path(path + "/feature_schema.json");
      FileSystem fs = file.getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(file, true)) {
        out.write(schemaJson(schema).getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw CslakeException.failure(
          "Cannot save the churn model under " + path + ": " + e.getMessage(), e);
    }
  }

  static String schemaJson(Candidates.Schema schema) {
    return "{\"numeric\": ["
        + schema.numeric().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "))
        + "], \"categorical\": ["
        + schema.categorical().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "))
        + "]}\n";
  }

  // --- model_runs
  // ---------------------------------------------------------------------------------

  static final StructType CANDIDATE =
      new StructType()
          .add("algorithm", DataTypes.StringType)
          .add("roc_auc", DataTypes.DoubleType)
          .add("pr_auc", DataTypes.DoubleType)
          .add("brier", DataTypes.DoubleType)
          .add("lift_top_decile", DataTypes.DoubleType);

  static final StructType BIN =
      new StructType()
          .add("bin", DataTypes.IntegerType)
          .add("score_low", DataTypes.DoubleType)
          .add("score_high", DataTypes.DoubleType)
          .add("rows", DataTypes.LongType)
          .add("mean_predicted", DataTypes.DoubleType)
          .add("observed_rate", DataTypes.DoubleType);

  static final StructType IMPORTANCE =
      new StructType().add("feature", DataTypes.StringType).add("importance", DataTypes.DoubleType);

  static final StructType FEATURE =
      new StructType().add("name", DataTypes.StringType).add("kind", DataTypes.StringType);

  /** {@code model_runs} columns that the scorer reads back to load the newest model. */
  public static final String MODEL_VERSION = "model_version";

  public static final String TRAINED_AT = "trained_at";
  public static final String ALGORITHM = "algorithm";
  public static final String FEATURE_SCHEMA = "feature_schema";
  public static final String ARTIFACT_PATH = "artifact_path";

  /** What the model was trained on (see {@link #fingerprint}); null in rows from before it. */
  public static final String INPUT_FINGERPRINT = "input_fingerprint";

  /** Columns of churn_features the model does not use, each with why; null in older rows. */
  public static final String FEATURES_LEFT_OUT = "features_left_out";

  /** The schema of {@code model_runs} (docs/tables.md). */
  public static final StructType MODEL_RUNS_SCHEMA =
      new StructType()
          .add(MODEL_VERSION, DataTypes.StringType, false)
          .add("run_id", DataTypes.StringType, false)
          .add(TRAINED_AT, DataTypes.TimestampType, false)
          .add("split_method", DataTypes.StringType, false)
          .add("validation_date", DataTypes.DateType)
          .add("train_from", DataTypes.DateType)
          .add("train_to", DataTypes.DateType)
          .add("train_rows", DataTypes.LongType)
          .add("validation_rows", DataTypes.LongType)
          .add("train_positive_rate", DataTypes.DoubleType)
          .add("validation_positive_rate", DataTypes.DoubleType)
          .add(ALGORITHM, DataTypes.StringType)
          .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
          .add("roc_auc", DataTypes.DoubleType)
          .add("pr_auc", DataTypes.DoubleType)
          .add("brier", DataTypes.DoubleType)
          .add("log_loss", DataTypes.DoubleType)
          .add("lift_top_decile", DataTypes.DoubleType)
          .add("candidates", DataTypes.createArrayType(CANDIDATE))
          .add("calibration", DataTypes.createArrayType(BIN))
          .add("feature_importances", DataTypes.createArrayType(IMPORTANCE))
          .add(FEATURE_SCHEMA, DataTypes.createArrayType(FEATURE))
          .add(ARTIFACT_PATH, DataTypes.StringType)
          .add(INPUT_FINGERPRINT, DataTypes.StringType)
          .add(FEATURES_LEFT_OUT, DataTypes.createArrayType(DataTypes.StringType));

  private static Dataset<Row> modelRunRow(
      JobContext ctx, Report r, Timestamp started, String fingerprint) {
    Evaluation v = r.validation();
    Evaluation ranking = r.chosen().validation();
    List<Row> candidates = new ArrayList<>();
    for (ChurnTrainer.CandidateResult c : r.candidates()) {
      Evaluation e = c.validation();
      candidates.add(
          RowFactory.create(c.algorithm(), e.rocAuc(), e.prAuc(), e.brier(), e.liftTopDecile()));
    }
    List<Row> bins = new ArrayList<>();
    for (Evaluation.Bin b : v.calibration()) {
      bins.add(
          RowFactory.create(
              b.bin(), finite(b.low()), finite(b.high()), b.rows(), b.meanScore(), b.observed()));
    }
    List<Row> importances =
        r.importances().stream().map(i -> RowFactory.create(i.feature(), i.importance())).toList();
    List<Row> features = new ArrayList<>();
    r.schema().numeric().forEach(n -> features.add(RowFactory.create(n, "numeric")));
    r.schema().categorical().forEach(n -> features.add(RowFactory.create(n, "categorical")));
    List<LocalDate> train = r.trainDates();
    Row row =
        RowFactory.create(
            r.version(),
            r.runId(),
            started,
            r.split().id(),
            Date.valueOf(r.validationDate()),
            Date.valueOf(train.get(0)),
            Date.valueOf(train.get(train.size() - 1)),
            r.trainRows(),
            r.validationRows(),
            r.trainPositiveRate(),
            v.positiveRate(),
            r.algorithm(),
            r.params(),
            ranking.rocAuc(),
            ranking.prAuc(),
            v.brier(),
            v.logLoss(),
            ranking.liftTopDecile(),
            candidates,
            bins,
            importances,
            features,
            r.modelPath(),
            fingerprint,
            r.left());
    return ctx.spark().createDataFrame(List.of(row), MODEL_RUNS_SCHEMA);
  }

  /** The open ends of the first and last reliability bins are recorded as null. */
  private static Double finite(double d) {
    return Double.isInfinite(d) ? null : d;
  }
}
