package io.cslake.transform.experience;

import static io.cslake.transform.experience.Satisfaction.isDetractor;
import static io.cslake.transform.experience.Satisfaction.isPromoter;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.StopWordsRemover;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code gold/feedback_themes} (SPEC §5.5, voice of the customer): per calendar quarter, the terms
 * that set detractors' NPS comments apart from promoters' and the other way round. Comments are
 * tokenized (MLlib {@link RegexTokenizer}: lower case, runs of letters, digits and apostrophes of
 * at least two characters) and English stop words removed ({@link StopWordsRemover}), in one {@link
 * Pipeline}. Each term is scored by the log-odds ratio with an informative Dirichlet prior (Monroe,
 * Colaresi &amp; Quinn 2008), the prior being the term's count in all of the quarter's comments
 * (both sides): for side i against side j, with y the term's count, n the side's token count, α the
 * prior count and α₀ its total,
 *
 * <pre>
 * δ = ln((yᵢ + α) / (nᵢ + α₀ − yᵢ − α)) − ln((yⱼ + α) / (nⱼ + α₀ − yⱼ − α))
 * z = δ / √(1 / (yᵢ + α) + 1 / (yⱼ + α))
 * </pre>
 *
 * The top N terms per quarter and side by z (ties by term), among the terms used on that side.
 * Passives' comments are not used.
 */
public final class FeedbackThemes {
  public static final String TABLE = "feedback_themes";

  public static final String QUARTER = "quarter";
  public static final String SIDE = "side";
  public static final String RANK = "rank";
  public static final String TERM = "term";
  public static final String COUNT = "count";
  public static final String OTHER_COUNT = "other_count";
  public static final String LOG_ODDS = "log_odds";
  public static final String Z_SCORE = "z_score";

  public static final String DETRACTORS = "detractors";
  public static final String PROMOTERS = "promoters";

  private static final String TOKENS = "_tokens";
  private static final String WORDS = "_words";

  private FeedbackThemes() {}

  /**
   * The themes.
   *
   * @param surveys silver surveys (survey_type, score, responded_at, comment)
   * @param perSide terms kept per quarter and side
   */
  public static Dataset<Row> compute(Dataset<Row> surveys, int perSide) {
    Column score = col("score");
    Dataset<Row> comments =
        surveys
            .filter(
                col("survey_type")
                    .equalTo(lit(Satisfaction.NPS_TYPE))
                    .and(col("comment").isNotNull())
                    .and(isDetractor(score).or(isPromoter(score))))
            .select(
                trunc(col("responded_at"), "quarter").as(QUARTER),
                when(isDetractor(score), lit(DETRACTORS)).otherwise(lit(PROMOTERS)).as(SIDE),
                // Never null, although filtered: Spark may evaluate the tokenizer before the null
                // check (the explode's inferred filter shares it with the projection).
                coalesce(col("comment"), lit("")).as("comment"));
    RegexTokenizer tokenizer =
        new RegexTokenizer()
            .setInputCol("comment")
            .setOutputCol(TOKENS)
            .setPattern("[^\\p{L}\\p{N}']+")
            .setMinTokenLength(2)
            .setToLowercase(true);
    StopWordsRemover stopWords =
        new StopWordsRemover().setInputCol(TOKENS).setOutputCol(WORDS).setLocale("en_US");
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {tokenizer, stopWords});
    Dataset<Row> words =
        pipeline
            .fit(comments)
            .transform(comments)
            .select(col(QUARTER), col(SIDE), explode(col(WORDS)).as(TERM));

    Column isDetractorSide = col(SIDE).equalTo(lit(DETRACTORS));
    Dataset<Row> terms =
        words
            .groupBy(QUARTER, TERM)
            .agg(
                count(when(isDetractorSide, lit(1))).as("_d"),
                count(when(isDetractorSide.unary_$bang(), lit(1))).as("_p"));
    Dataset<Row> totals =
        terms.select(
            col(QUARTER),
            col(TERM),
            col("_d").cast(DataTypes.DoubleType).as("_d"),
            col("_p").cast(DataTypes.DoubleType).as("_p"),
            sum("_d").over(Window.partitionBy(QUARTER)).cast(DataTypes.DoubleType).as("_nd"),
            sum("_p").over(Window.partitionBy(QUARTER)).cast(DataTypes.DoubleType).as("_np"));
    Column alpha = col("_d").plus(col("_p"));
    Column alpha0 = col("_nd").plus(col("_np"));
    Column d = col("_d");
    Column p = col("_p");
    Column delta =
        log(d.plus(alpha).divide(col("_nd").plus(alpha0).minus(d).minus(alpha)))
            .minus(log(p.plus(alpha).divide(col("_np").plus(alpha0).minus(p).minus(alpha))));
    Column sigma = sqrt(lit(1.0).divide(d.plus(alpha)).plus(lit(1.0).divide(p.plus(alpha))));
    Dataset<Row> scored =
        totals.select(
            col(QUARTER),
            col(TERM),
            d.cast(DataTypes.LongType).as("_dc"),
            p.cast(DataTypes.LongType).as("_pc"),
            delta.as("_delta"),
            delta.divide(sigma).as("_z"));
    Dataset<Row> detractorSide =
        scored
            .filter(col("_dc").gt(lit(0)))
            .select(
                col(QUARTER),
                lit(DETRACTORS).as(SIDE),
                col(TERM),
                col("_dc").as(COUNT),
                col("_pc").as(OTHER_COUNT),
                col("_delta").as(LOG_ODDS),
                col("_z").as(Z_SCORE));
    Dataset<Row> promoterSide =
        scored
            .filter(col("_pc").gt(lit(0)))
            .select(
                col(QUARTER),
                lit(PROMOTERS).as(SIDE),
                col(TERM),
                col("_pc").as(COUNT),
                col("_dc").as(OTHER_COUNT),
                col("_delta").unary_$minus().as(LOG_ODDS),
                col("_z").unary_$minus().as(Z_SCORE));
    return detractorSide
        .unionByName(promoterSide)
        .withColumn(
            RANK,
            row_number().over(Window.partitionBy(QUARTER, SIDE).orderBy(desc(Z_SCORE), col(TERM))))
        .filter(col(RANK).leq(lit(perSide)))
        .select(
            col(QUARTER),
            col(SIDE),
            col(RANK),
            col(TERM),
            col(COUNT),
            col(OTHER_COUNT),
            col(LOG_ODDS),
            col(Z_SCORE));
  }
}
