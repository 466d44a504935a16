package io.cslake.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.cslake.contract.Field;
import io.cslake.contract.FieldType;
import io.cslake.contract.Source;
import io.cslake.contract.SourceMapping;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Row-level validation of a source (SPEC §4.3), as pure transformations. {@link #classify} maps a
 * raw source to the contract and tags each row with the first rule it breaks (column {@value
 * #RULE}, null when the row is good) and keeps its raw form (column {@value #RAW}, turned into JSON
 * by {@link #record()} only for the rows that are not accepted). {@link #rejectUnknownAccounts} and
 * {@link #markDuplicates} add the rules that need other rows. Every input row stays exactly one
 * output row, so accounting holds by construction.
 */
public final class Validation {
  /** The rule a row broke; null when it is accepted. */
  public static final String RULE = "_rule";

  /** The raw row as a struct of the source's own columns, kept for the quarantine. */
  public static final String RAW = "_raw";

  /** The unparseable line of a text source; null for rows that parsed. */
  public static final String UNPARSED = "_unparsed";

  /** The column Spark's CSV and JSON readers put unparseable lines in. */
  public static final String CORRUPT = "_corrupt_record";

  /** Rule names, in the order they are checked: a row carries the first one it breaks. */
  public static final String MALFORMED = "malformed_record";

  public static final String REQUIRED_NULL = "required_null";
  public static final String NOT_CASTABLE = "not_castable";
  public static final String NEGATIVE_VALUE = "negative_value";
  public static final String END_BEFORE_START = "end_before_start";
  public static final String OUT_OF_SCALE = "out_of_scale";
  public static final String UNKNOWN_CATEGORY = "unknown_category";
  public static final String FUTURE_TIMESTAMP = "future_timestamp";
  public static final String UNKNOWN_ACCOUNT = "unknown_account";
  public static final String DUPLICATE = "duplicate";

  /** Every rule, in order. */
  public static final List<String> RULES =
      List.of(
          MALFORMED,
          REQUIRED_NULL,
          NOT_CASTABLE,
          NEGATIVE_VALUE,
          END_BEFORE_START,
          OUT_OF_SCALE,
          UNKNOWN_CATEGORY,
          FUTURE_TIMESTAMP,
          UNKNOWN_ACCOUNT,
          DUPLICATE);

  /** Fields that may not be negative. */
  private static final Set<String> NON_NEGATIVE =
      Set.of("mrr", "amount", "seats", "duration_sec", "rate_to_reporting");

  /** Pairs (start, end) where the end may not precede the start, per source. */
  private static final Map<Source, List<String[]>> ORDERED =
      Map.of(
          Source.SUBSCRIPTIONS, List.<String[]>of(new String[] {"start_date", "end_date"}),
          Source.CONTACTS, List.<String[]>of(new String[] {"started_at", "ended_at"}),
          Source.SUPPORT_TICKETS,
              List.of(
                  new String[] {"created_at", "first_response_at"},
                  new String[] {"created_at", "resolved_at"}),
          Source.REFERRALS, List.<String[]>of(new String[] {"referred_at", "converted_at"}));

  /** Categorical fields stored trimmed and in lower case. */
  private static final Set<String> NORMALISED =
      Set.of("survey_type", "role", "status", "category", "priority");

  private Validation() {}

  /**
   * Maps {@code raw} to the contract and tags every row with the first row-level rule it breaks.
   *
   * @param raw the source as read (after its filter), possibly with a {@value #CORRUPT} column
   * @param mapping the checked mapping of the source
   * @param asOf the as-of date of the run
   * @param futureToleranceDays days after {@code asOf} a timestamp may still carry
   * @return the contract fields (typed), the attribute columns, {@value #RULE}, {@value #RAW} and
   *     {@value #UNPARSED}
   */
  public static Dataset<Row> classify(
      Dataset<Row> raw, SourceMapping mapping, LocalDate asOf, int futureToleranceDays) {
    Source source = mapping.source();
    boolean hasCorrupt = Arrays.asList(raw.columns()).contains(CORRUPT);
    List<Column> rawColumns = new ArrayList<>();
    for (String name : raw.columns()) {
      if (!name.equals(CORRUPT)) {
        rawColumns.add(col(quote(name)));
      }
    }
    Column rawStruct = struct(rawColumns.toArray(Column[]::new));
    Column unparsed = hasCorrupt ? col(CORRUPT) : lit(null).cast("string");

    // Stage 1: raw values (as mapped) and typed values side by side.
    List<Column> stage = new ArrayList<>();
    Map<String, Column> typed = new LinkedHashMap<>();
    for (Field field : source.fields()) {
      Column rawValue = mapping.fields().get(field.name());
      stage.add(rawValue.as(rawName(field)));
      Column cast = col(rawName(field)).cast(field.type().sparkType());
      if (NORMALISED.contains(field.name())) {
        cast = lower(trim(cast));
      }
      typed.put(field.name(), cast);
    }
    for (String attribute : mapping.attributes()) {
      stage.add(col(quote(attribute)).as(attribute));
    }
    stage.add(rawStruct.as(RAW));
    stage.add(unparsed.as(UNPARSED));
    Dataset<Row> staged = raw.select(stage.toArray(Column[]::new));

    List<Column> typedColumns = new ArrayList<>();
    for (Map.Entry<String, Column> e : typed.entrySet()) {
      typedColumns.add(e.getValue().as(e.getKey()));
    }
    List<Column> withRaw = new ArrayList<>(typedColumns);
    for (Field field : source.fields()) {
      withRaw.add(col(rawName(field)));
    }
    for (String attribute : mapping.attributes()) {
      withRaw.add(col(quote(attribute)));
    }
    withRaw.add(col(RAW));
    withRaw.add(col(UNPARSED));
    Dataset<Row> both = staged.select(withRaw.toArray(Column[]::new));

    // Stage 2: the first rule each row breaks.
    Column rule =
        when(col(UNPARSED).isNotNull(), lit(MALFORMED))
            .when(anyOf(requiredNull(source)), lit(REQUIRED_NULL))
            .when(anyOf(notCastable(source)), lit(NOT_CASTABLE))
            .when(anyOf(negative(source)), lit(NEGATIVE_VALUE))
            .when(anyOf(endBeforeStart(source)), lit(END_BEFORE_START))
            .when(anyOf(outOfScale(source)), lit(OUT_OF_SCALE))
            .when(anyOf(unknownCategory(source)), lit(UNKNOWN_CATEGORY))
            .when(anyOf(future(source, asOf, futureToleranceDays)), lit(FUTURE_TIMESTAMP))
            .otherwise(lit(null).cast("string"));

    List<Column> out = new ArrayList<>();
    for (Field field : source.fields()) {
      out.add(col(field.name()));
    }
    for (String attribute : mapping.attributes()) {
      out.add(col(quote(attribute)));
    }
    out.add(rule.as(RULE));
    out.add(col(RAW));
    out.add(col(UNPARSED));
    return both.select(out.toArray(Column[]::new));
  }

  /**
   * Tags good rows whose {@code account_id} is not among {@code accountIds} as {@value
   * #UNKNOWN_ACCOUNT}.
   *
   * @param accountIds one column {@code account_id}, the accepted accounts
   */
  public static Dataset<Row> rejectUnknownAccounts(
      Dataset<Row> classified, Dataset<Row> accountIds) {
    Dataset<Row> known =
        accountIds
            .select(col("account_id").as("_known_id"))
            .distinct()
            .withColumn("_known", lit(true));
    Dataset<Row> joined =
        classified.join(
            known, classified.col("account_id").equalTo(known.col("_known_id")), "left");
    Column rule =
        when(col(RULE).isNull().and(col("_known").isNull()), lit(UNKNOWN_ACCOUNT))
            .otherwise(col(RULE));
    return joined.withColumn(RULE, rule).drop("_known_id", "_known");
  }

  /**
   * Among good rows, keeps one per natural key and tags the others {@value #DUPLICATE}. The one
   * kept is the first by a hash of the raw row, so the choice is the same on every run (rows with
   * equal hashes are, but for astronomically rare collisions, identical copies).
   */
  public static Dataset<Row> markDuplicates(Dataset<Row> classified, Source source) {
    List<Column> key = new ArrayList<>();
    for (String name : source.naturalKey()) {
      key.add(col(name));
    }
    key.add(col(RULE));
    Column rank =
        row_number()
            .over(Window.partitionBy(key.toArray(Column[]::new)).orderBy(xxhash64(col(RAW))));
    return classified
        .withColumn("_rank", rank)
        .withColumn(
            RULE,
            when(col(RULE).isNull().and(col("_rank").gt(1)), lit(DUPLICATE)).otherwise(col(RULE)))
        .drop("_rank");
  }

  /**
   * The raw row as JSON, for the quarantine: the line itself when it did not parse, else the
   * source's own columns.
   */
  public static Column record() {
    return coalesce(col(UNPARSED), to_json(col(RAW)));
  }

  /** The accepted rows, in silver's shape: contract fields then attributes. */
  public static Dataset<Row> accepted(Dataset<Row> classified, SourceMapping mapping) {
    List<Column> out = new ArrayList<>();
    for (Field field : mapping.source().fields()) {
      out.add(col(field.name()));
    }
    for (String attribute : mapping.attributes()) {
      out.add(col(quote(attribute)));
    }
    return classified.filter(col(RULE).isNull()).select(out.toArray(Column[]::new));
  }

  // --- rules ------------------------------------------------------------------------------------

  private static List<Column> requiredNull(Source source) {
    List<Column> conditions = new ArrayList<>();
    for (Field field : source.fields()) {
      if (field.required()) {
        conditions.add(col(rawName(field)).isNull());
      }
    }
    if (source == Source.SUBSCRIPTIONS) {
      conditions.add(
          col("_raw_mrr")
              .isNull()
              .and(col("_raw_amount").isNull().or(col("_raw_billing_period_months").isNull())));
    }
    return conditions;
  }

  private static List<Column> notCastable(Source source) {
    List<Column> conditions = new ArrayList<>();
    for (Field field : source.fields()) {
      if (field.type() != FieldType.STRING) {
        conditions.add(col(rawName(field)).isNotNull().and(col(field.name()).isNull()));
      }
    }
    return conditions;
  }

  private static List<Column> negative(Source source) {
    List<Column> conditions = new ArrayList<>();
    for (Field field : source.fields()) {
      if (NON_NEGATIVE.contains(field.name())) {
        conditions.add(col(field.name()).lt(0));
      }
    }
    return conditions;
  }

  private static List<Column> endBeforeStart(Source source) {
    List<Column> conditions = new ArrayList<>();
    for (String[] pair : ORDERED.getOrDefault(source, List.of())) {
      conditions.add(col(pair[1]).lt(col(pair[0])));
    }
    return conditions;
  }

  private static List<Column> outOfScale(Source source) {
    List<Column> conditions = new ArrayList<>();
    if (source == Source.SURVEYS) {
      Column score = col("score");
      for (Source.SurveyScale scale : Source.SURVEY_SCALES) {
        conditions.add(
            col("survey_type")
                .equalTo(lit(scale.surveyType()))
                .and(
                    score
                        .lt(scale.min())
                        .or(score.gt(scale.max()))
                        .or(score.notEqual(org.apache.spark.sql.functions.floor(score)))));
      }
    }
    if (source == Source.SUPPORT_TICKETS) {
      Column csat = col("csat");
      conditions.add(
          csat.lt(1).or(csat.gt(5)).or(csat.notEqual(org.apache.spark.sql.functions.floor(csat))));
    }
    if (source == Source.SUBSCRIPTIONS) {
      conditions.add(col("billing_period_months").lt(1));
    }
    return conditions;
  }

  private static List<Column> unknownCategory(Source source) {
    List<Column> conditions = new ArrayList<>();
    if (source == Source.SURVEYS) {
      conditions.add(
          col("survey_type")
              .isin(Source.SURVEY_SCALES.stream().map(s -> s.surveyType()).toArray())
              .unary_$bang());
    }
    if (source == Source.CONTACTS) {
      conditions.add(col("role").isin(Source.CONTACT_ROLES.toArray()).unary_$bang());
    }
    return conditions;
  }

  private static List<Column> future(Source source, LocalDate asOf, int toleranceDays) {
    LocalDate lastDay = asOf.plusDays(toleranceDays);
    Instant end = lastDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    List<Column> conditions = new ArrayList<>();
    for (Field field : source.fields()) {
      if (!field.eventTime()) {
        continue;
      }
      if (field.type() == FieldType.DATE) {
        conditions.add(col(field.name()).gt(lit(lastDay)));
      } else {
        conditions.add(col(field.name()).geq(lit(end)));
      }
    }
    return conditions;
  }

  private static Column anyOf(List<Column> conditions) {
    Column any = lit(false);
    for (Column c : conditions) {
      any = any.or(coalesce(c, lit(false)));
    }
    return any;
  }

  private static String rawName(Field field) {
    return "_raw_" + field.name();
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
