package io.cslake.model;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import io.cslake.model.explain.ContributionColumns;
import io.cslake.model.explain.LinearContributions;
import io.cslake.model.explain.TreeEnsemble;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Scores churn feature rows with a registered model (SPEC §6.3): the calibrated probability, its
 * risk band, MRR at risk and the exact contribution of every original feature to the model's raw
 * margin, with the five largest as the account's drivers.
 *
 * <p>Contributions are in the model's margin units (log-odds for logistic regression; for MLlib's
 * gradient-boosted trees the margin m with p = 1 / (1 + e^(−2m))): TreeSHAP for trees, coefficient
 * × standardized value for logistic regression (see {@link io.cslake.model.explain}). The slots of
 * the assembled vector are folded back to the feature they come from, so a one-hot encoded
 * attribute is one driver. For every row, {@value #BASE_VALUE} + Σ {@value #CONTRIBUTIONS} =
 * {@value #RAW_MARGIN}, which is read from the pipeline's own {@code rawPrediction}, not from the
 * explainer.
 */
public final class ChurnScorer {
  public static final String TABLE = "churn_risk_scores";

  public static final String ACCOUNT_ID = "account_id";
  public static final String AS_OF_DATE = "as_of_date";
  public static final String CHURN_PROBABILITY = ChurnTrainer.SCORE;
  public static final String RISK_BAND = "risk_band";
  public static final String MRR = "mrr";
  public static final String MRR_AT_RISK = "mrr_at_risk";
  public static final String TOP_DRIVERS = "top_drivers";
  public static final String CONTRIBUTIONS = "contributions";
  public static final String BASE_VALUE = ContributionColumns.BASE_VALUE;
  public static final String RAW_MARGIN = "raw_margin";
  public static final String MODEL_VERSION = "model_version";
  public static final String SCORED_AT = "scored_at";

  /** Fields of a {@value #TOP_DRIVERS} element. */
  public static final String FEATURE = "feature";

  public static final String VALUE = "value";
  public static final String CONTRIBUTION = "contribution";

  /** Risk bands. */
  public static final String HIGH = "high";

  public static final String MEDIUM = "medium";
  public static final String LOW = "low";

  /** Drivers reported per account. */
  public static final int TOP = 5;

  /**
   * Calibrated probabilities are kept within [{@value}, 1 − {@value}]: the lowest step of an
   * isotonic map is 0 when its validation bin saw no churn, and no account is ever certain to stay.
   */
  public static final double PROBABILITY_FLOOR = 0.001;

  static final StructType DRIVER =
      new StructType()
          .add(FEATURE, DataTypes.StringType, false)
          .add(VALUE, DataTypes.StringType, true)
          .add(CONTRIBUTION, DataTypes.DoubleType, false);

  private static final String VALUES = "_values";

  private ChurnScorer() {}

  /** Risk band thresholds on the calibrated probability. */
  public record Bands(double high, double medium) {}

  /**
   * The {@value #TABLE} rows of {@code features} (rows of {@code churn_features}; the model's
   * features must be present, see {@link ChurnModel#mismatches}).
   */
  public static Dataset<Row> score(
      ChurnModel model, Dataset<Row> features, Bands bands, Timestamp scoredAt) {
    Candidates.Schema schema = model.schema();
    Dataset<Row> prepared =
        ChurnTrainer.prepared(features, schema).withColumn(VALUES, values(features, schema));
    Dataset<Row> transformed = model.pipeline().transform(prepared);
    Dataset<Row> explained = withContributions(model, schema, transformed);
    Dataset<Row> calibrated =
        model
            .calibrator()
            .transform(
                explained.withColumn(
                    ChurnTrainer.RAW_SCORE,
                    vector_to_array(col("probability"), "float64").getItem(1)));
    Column p =
        least(
            lit(1 - PROBABILITY_FLOOR), greatest(lit(PROBABILITY_FLOOR), col(ChurnTrainer.SCORE)));
    Column mrr = col(MRR).cast(DataTypes.DoubleType);
    return calibrated
        .withColumn(CHURN_PROBABILITY, p)
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            col(CHURN_PROBABILITY),
            when(col(CHURN_PROBABILITY).geq(lit(bands.high())), lit(HIGH))
                .when(col(CHURN_PROBABILITY).geq(lit(bands.medium())), lit(MEDIUM))
                .otherwise(lit(LOW))
                .as(RISK_BAND),
            mrr.as(MRR),
            mrr.multiply(col(CHURN_PROBABILITY)).as(MRR_AT_RISK),
            col(TOP_DRIVERS),
            col(CONTRIBUTIONS),
            col(BASE_VALUE),
            vector_to_array(col("rawPrediction"), "float64").getItem(1).as(RAW_MARGIN),
            lit(model.version()).as(MODEL_VERSION),
            lit(scoredAt).as(SCORED_AT));
  }

  /** Each feature's value as the drivers show it: text, numbers rounded to 4 decimals. */
  private static Column values(Dataset<Row> rows, Candidates.Schema schema) {
    List<Column> kv = new ArrayList<>();
    for (String name : features(schema)) {
      DataType type = rows.schema().apply(name).dataType();
      Column c = col(name);
      Column text =
          type instanceof StringType || type instanceof BooleanType
              ? c.cast(DataTypes.StringType)
              : round(c.cast(DataTypes.DoubleType), 4).cast(DataTypes.StringType);
      kv.add(lit(name));
      kv.add(text);
    }
    return map(kv.toArray(Column[]::new));
  }

  private static List<String> features(Candidates.Schema schema) {
    List<String> all = new ArrayList<>(schema.numeric());
    all.addAll(schema.categorical());
    return all;
  }

  /** Adds {@value #CONTRIBUTIONS} (folded per feature), {@value #TOP_DRIVERS} and the base. */
  private static Dataset<Row> withContributions(
      ChurnModel model, Candidates.Schema schema, Dataset<Row> transformed) {
    JavaSparkContext jsc =
        JavaSparkContext.fromSparkContext(transformed.sparkSession().sparkContext());
    GBTClassificationModel gbt = null;
    LogisticRegressionModel lr = null;
    StandardScalerModel scaler = null;
    for (Transformer stage : model.pipeline().stages()) {
      if (stage instanceof GBTClassificationModel g) {
        gbt = g;
      } else if (stage instanceof LogisticRegressionModel l) {
        lr = l;
      } else if (stage instanceof StandardScalerModel s) {
        scaler = s;
      }
    }
    Dataset<Row> raw;
    List<String> slots;
    if (gbt != null) {
      TreeEnsemble ensemble = TreeEnsemble.fromGbt(gbt);
      slots =
          FeatureImportances.slotFeatures(
              schema, transformed.schema(), Candidates.FEATURES, ensemble.numFeatures());
      raw =
          ContributionColumns.withTreeContributions(
              transformed, Candidates.FEATURES, jsc.broadcast(ensemble));
    } else if (lr != null && scaler != null) {
      LinearContributions linear = LinearContributions.of(lr, scaler);
      slots =
          FeatureImportances.slotFeatures(
              schema, transformed.schema(), FeatureImportances.RAW_FEATURES, linear.numFeatures());
      raw =
          ContributionColumns.withLinearContributions(
              transformed, FeatureImportances.RAW_FEATURES, jsc.broadcast(linear));
    } else {
      throw new IllegalStateException(
          "the model "
              + model.version()
              + " holds neither gradient-boosted trees nor a scaled logistic regression");
    }
    Folding folding = new Folding(slots);
    UserDefinedFunction fold =
        functions
            .udf(
                (UDF1<scala.collection.Seq<Object>, scala.collection.Map<String, Object>>)
                    folding::fold,
                DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false))
            .withName("fold_contributions");
    UserDefinedFunction top =
        functions
            .udf(
                (UDF2<
                        scala.collection.Map<String, Object>,
                        scala.collection.Map<String, String>,
                        List<Row>>)
                    Folding::top,
                DataTypes.createArrayType(DRIVER, false))
            .withName("top_drivers");
    return raw.withColumn(CONTRIBUTIONS, fold.apply(col(ContributionColumns.CONTRIBUTIONS)))
        .withColumn(TOP_DRIVERS, top.apply(col(CONTRIBUTIONS), col(VALUES)));
  }

  /** Folds slot contributions to their features and picks the top drivers, on the executors. */
  static final class Folding implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String[] slotFeature;

    Folding(List<String> slots) {
      this.slotFeature = slots.toArray(String[]::new);
    }

    scala.collection.Map<String, Object> fold(scala.collection.Seq<Object> slots) {
      if (slots == null) {
        return null;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      List<Object> values = JavaConverters.seqAsJavaList(slots);
      for (int i = 0; i < values.size(); i++) {
        double v = ((Number) values.get(i)).doubleValue();
        out.merge(slotFeature[i], v, (a, b) -> (Double) a + (Double) b);
      }
      return JavaConverters.mapAsScalaMap(out);
    }

    static List<Row> top(
        scala.collection.Map<String, Object> contributions,
        scala.collection.Map<String, String> values) {
      if (contributions == null) {
        return null;
      }
      Map<String, Object> c = JavaConverters.mapAsJavaMap(contributions);
      Map<String, String> v = values == null ? Map.of() : JavaConverters.mapAsJavaMap(values);
      List<Map.Entry<String, Object>> entries = new ArrayList<>(c.entrySet());
      entries.removeIf(e -> ((Number) e.getValue()).doubleValue() == 0.0);
      entries.sort(
          Comparator.comparingDouble(
                  (Map.Entry<String, Object> e) -> -Math.abs(((Number) e.getValue()).doubleValue()))
              .thenComparing(Map.Entry::getKey));
      List<Row> out = new ArrayList<>();
      for (Map.Entry<String, Object> e : entries.subList(0, Math.min(TOP, entries.size()))) {
        out.add(
            RowFactory.create(
                e.getKey(), v.get(e.getKey()), ((Number) e.getValue()).doubleValue()));
      }
      return out;
    }
  }
}
