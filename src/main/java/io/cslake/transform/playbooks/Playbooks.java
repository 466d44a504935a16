package io.cslake.transform.playbooks;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig.PlaybookSettings.Rule;
import io.cslake.contract.ExpressionGuard;
import java.sql.Timestamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * Playbook rules over {@code account_360} (SPEC §6.5): {@link #validate} checks the configured
 * rules against the table's schema once, {@link #evaluate} turns a snapshot into the {@code
 * playbook_alerts} rows to merge. The lifecycle is in {@code docs/playbooks.md}.
 */
public final class Playbooks {
  private static final Logger LOG = LoggerFactory.getLogger(Playbooks.class);
  private static final String KEY = "cslake.playbooks.rules";

  /** Names Spark parses as columns but resolves as functions when no such column exists. */
  private static final Set<String> LITERAL_FUNCTIONS =
      Set.of("current_date", "current_timestamp", "current_user", "user", "session_user");

  private static final String MATCH = "_playbook_match";
  private static final String MATCH_MARK = "_playbook_matched";
  private static final String OPEN_MARK = "_playbook_open";

  private Playbooks() {}

  /**
   * Refuses, before anything is computed or written, a rule whose {@code when} {@link
   * ExpressionGuard} refuses (not parseable, a subquery, {@code java_method}, {@code reflect}, a
   * function that is not a Spark built-in): a configuration error (exit 2) naming the rule. Needs
   * no schema; {@link #validate} later checks the rules against {@code account_360}.
   */
  public static void guard(SparkSession spark, List<Rule> rules) {
    for (Rule rule : rules) {
      parsed(spark, rule);
    }
  }

  /**
   * Checks every rule against {@code account360}'s schema. A rule whose {@code when} is refused by
   * {@link ExpressionGuard} (a subquery, {@code java_method}, {@code reflect}, a function that is
   * not a Spark built-in), does not resolve, is not deterministic, aggregates or does not yield a
   * boolean is a configuration error (exit 2) naming the rule. A rule that reads a column {@code
   * account_360} does not have (e.g. a metric whose source is not configured) is not an error: it
   * is skipped, with a warning naming the rule and the missing columns, and listed in {@link
   * Validated#skipped()}.
   *
   * @param spark the session whose parser and analyzer check the expressions (no data is read)
   * @param rules the configured rules
   * @param account360 the schema of {@code account_360}
   * @return the rules to evaluate and the rules skipped
   */
  public static Validated validate(SparkSession spark, List<Rule> rules, StructType account360) {
    Dataset<Row> empty = spark.createDataFrame(Collections.<Row>emptyList(), account360);
    List<Rule> usable = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    for (Rule rule : rules) {
      Expression parsed = parsed(spark, rule);
      List<String> missing = new ArrayList<>();
      for (List<String> parts : references(parsed).values()) {
        if (fieldNamed(account360, parts.get(0)) == null
            && !(parts.size() == 1 && LITERAL_FUNCTIONS.contains(lower(parts.get(0))))) {
          missing.add(String.join(".", parts));
        }
      }
      if (!missing.isEmpty()) {
        Skipped skip = new Skipped(rule, missing);
        LOG.warn(skip.reason());
        skipped.add(skip);
        continue;
      }
      check(empty, rule);
      usable.add(rule);
    }
    return new Validated(usable, skipped);
  }

  /**
   * The {@code playbook_alerts} rows that change when {@code rules} are evaluated over an {@code
   * account_360} snapshot, to be merged into the table on {@code alert_id} (when matched: update
   * every column; when not matched: insert):
   *
   * <ul>
   *   <li>a new open alert for every account and rule whose {@code when} is true (null is false)
   *       and that has no open alert for the same rule and account in {@code existingAlerts};
   *   <li>each open alert of one of {@code rules} whose account no longer matches the rule (or is
   *       no longer in the snapshot), with {@code status = 'closed'} and {@code closed_at = runAt}.
   * </ul>
   *
   * Open alerts of rules not in {@code rules} (skipped or removed from the configuration) are left
   * as they are. Evaluating the same snapshot again against the merged table changes nothing. All
   * rules are evaluated in one pass over {@code account360}. Pass the rules {@link #validate}
   * accepted ({@link Validated#rules()}).
   *
   * @param account360 one row per account: at least {@code account_id} and {@code as_of_date};
   *     {@code csm_id} becomes the alert's owner when present
   * @param rules validated rules
   * @param existingAlerts the current {@code playbook_alerts} table ({@link PlaybookAlerts#SCHEMA};
   *     an empty frame of it before the first run)
   * @param runAt the run's time: {@code opened_at} of new alerts, {@code closed_at} of closed ones
   * @return new and closed alerts, with the columns of {@link PlaybookAlerts#SCHEMA}
   */
  public static Dataset<Row> evaluate(
      Dataset<Row> account360, List<Rule> rules, Dataset<Row> existingAlerts, Timestamp runAt) {
    StructType schema = account360.schema();
    StructField accountId = required(schema, PlaybookAlerts.ACCOUNT_ID);
    StructField asOfDate = required(schema, PlaybookAlerts.AS_OF_DATE);
    StructField csmId = fieldNamed(schema, PlaybookAlerts.CSM_ID);
    SparkSession spark = account360.sparkSession();
    if (rules.isEmpty()) {
      return spark.createDataFrame(Collections.<Row>emptyList(), PlaybookAlerts.SCHEMA);
    }

    List<Column> candidates = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Rule rule : rules) {
      Expression parsed = parsed(spark, rule);
      names.add(rule.name());
      candidates.add(
          when(
              new Column(parsed),
              struct(
                  lit(rule.name()).as(PlaybookAlerts.RULE),
                  lit(rule.severity()).as(PlaybookAlerts.SEVERITY),
                  lit(rule.action()).as(PlaybookAlerts.ACTION),
                  triggerValues(parsed).as(PlaybookAlerts.TRIGGER_VALUES))));
    }
    Dataset<Row> matches =
        account360
            .select(
                col(accountId.name()).cast(DataTypes.StringType).as(PlaybookAlerts.ACCOUNT_ID),
                (csmId == null ? lit(null) : col(csmId.name()))
                    .cast(DataTypes.StringType)
                    .as(PlaybookAlerts.CSM_ID),
                col(asOfDate.name()).cast(DataTypes.DateType).as(PlaybookAlerts.AS_OF_DATE),
                explode(array(candidates.toArray(new Column[0]))).as(MATCH))
            .where(col(MATCH).isNotNull())
            .select(
                col(PlaybookAlerts.ACCOUNT_ID),
                col(PlaybookAlerts.CSM_ID),
                col(PlaybookAlerts.AS_OF_DATE),
                col(MATCH + "." + PlaybookAlerts.RULE).as(PlaybookAlerts.RULE),
                col(MATCH + "." + PlaybookAlerts.SEVERITY).as(PlaybookAlerts.SEVERITY),
                col(MATCH + "." + PlaybookAlerts.ACTION).as(PlaybookAlerts.ACTION),
                col(MATCH + "." + PlaybookAlerts.TRIGGER_VALUES).as(PlaybookAlerts.TRIGGER_VALUES));

    // One full outer join of the matches with the open alerts of these rules: a match without an
    // open alert opens one, an open alert without a match closes, both present changes nothing.
    Dataset<Row> open =
        existingAlerts
            .where(
                col(PlaybookAlerts.STATUS)
                    .equalTo(lit(PlaybookAlerts.OPEN))
                    .and(col(PlaybookAlerts.RULE).isin(names.toArray())))
            .withColumn(OPEN_MARK, lit(true))
            .as("o");
    Column sameAlert =
        col("m." + PlaybookAlerts.RULE)
            .equalTo(col("o." + PlaybookAlerts.RULE))
            .and(
                col("m." + PlaybookAlerts.ACCOUNT_ID)
                    .equalTo(col("o." + PlaybookAlerts.ACCOUNT_ID)));
    Column opens = col("o." + OPEN_MARK).isNull();
    Column closes = col("m." + MATCH_MARK).isNull();
    Dataset<Row> changed =
        matches
            .withColumn(MATCH_MARK, lit(true))
            .as("m")
            .join(open, sameAlert, "full_outer")
            .where(opens.or(closes));

    List<Column> columns = new ArrayList<>();
    for (StructField field : PlaybookAlerts.SCHEMA.fields()) {
      String name = field.name();
      Column value =
          switch (name) {
            case PlaybookAlerts.ALERT_ID ->
                when(
                        opens,
                        sha2(
                            concat_ws(
                                "|",
                                col("m." + PlaybookAlerts.RULE),
                                col("m." + PlaybookAlerts.ACCOUNT_ID),
                                date_format(col("m." + PlaybookAlerts.AS_OF_DATE), "yyyy-MM-dd")),
                            256))
                    .otherwise(col("o." + name));
            case PlaybookAlerts.OPENED_AT -> when(opens, lit(runAt)).otherwise(col("o." + name));
            case PlaybookAlerts.STATUS ->
                when(opens, lit(PlaybookAlerts.OPEN)).otherwise(lit(PlaybookAlerts.CLOSED));
            case PlaybookAlerts.CLOSED_AT -> when(closes, lit(runAt));
            default ->
                when(opens, col("m." + name).cast(field.dataType()))
                    .otherwise(col("o." + name).cast(field.dataType()));
          };
      columns.add(value.cast(field.dataType()).as(name));
    }
    return changed.select(columns.toArray(new Column[0]));
  }

  /** {@code map(name, cast(value as string), ...)} over the columns {@code parsed} reads. */
  private static Column triggerValues(Expression parsed) {
    List<Column> entries = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : references(parsed).entrySet()) {
      if (e.getValue().size() == 1 && LITERAL_FUNCTIONS.contains(e.getKey())) {
        continue;
      }
      entries.add(lit(String.join(".", e.getValue())));
      entries.add(
          new Column(new UnresolvedAttribute(JavaConverters.asScalaBuffer(e.getValue()).toSeq()))
              .cast(DataTypes.StringType));
    }
    return org.apache
        .spark
        .sql
        .functions
        .map(entries.toArray(new Column[0]))
        .cast(DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true));
  }

  /**
   * The columns {@code parsed} reads: its {@link UnresolvedAttribute} nodes, by lower-cased dotted
   * name (Spark's analysis is case-insensitive), in order of first appearance.
   */
  static Map<String, List<String>> references(Expression parsed) {
    Map<String, List<String>> names = new LinkedHashMap<>();
    Deque<Expression> todo = new ArrayDeque<>();
    todo.push(parsed);
    while (!todo.isEmpty()) {
      Expression e = todo.pop();
      if (e instanceof UnresolvedAttribute attribute) {
        List<String> parts = JavaConverters.seqAsJavaList(attribute.nameParts());
        names.putIfAbsent(lower(String.join(".", parts)), List.copyOf(parts));
      }
      List<Expression> children = JavaConverters.seqAsJavaList(e.children());
      for (int i = children.size() - 1; i >= 0; i--) {
        todo.push(children.get(i));
      }
    }
    return names;
  }

  /** Guards a rule's expression and returns it parsed; a refusal is a configuration error. */
  private static Expression parsed(SparkSession spark, Rule rule) {
    ExpressionGuard.Result guard = ExpressionGuard.check(spark, rule.when());
    if (!guard.isAccepted()) {
      throw refused(rule, guard.refusal().get());
    }
    return guard.expression().get();
  }

  /** Resolves, and shape-checks, a rule's expression over the (empty) {@code account_360}. */
  private static void check(Dataset<Row> empty, Rule rule) {
    ExpressionGuard.Resolved resolved = ExpressionGuard.resolve(empty, rule.when());
    if (!resolved.isAccepted()) {
      throw refused(rule, resolved.refusal().get());
    }
    DataType type = resolved.type().get();
    if (!type.sameType(DataTypes.BooleanType)) {
      throw refused(rule, "it yields " + lower(type.sql()) + ", not a boolean");
    }
  }

  private static CslakeException refused(Rule rule, String why) {
    return CslakeException.usage(
        "Cannot use playbook rule '"
            + rule.name()
            + "' ("
            + KEY
            + ", when = \""
            + rule.when()
            + "\"): "
            + why
            + ". Change its when to a boolean Spark SQL expression over account_360's columns, or"
            + " remove the rule.");
  }

  private static StructField required(StructType schema, String name) {
    StructField field = fieldNamed(schema, name);
    if (field == null) {
      throw CslakeException.failure(
          "Cannot evaluate playbooks: account_360 has no column '"
              + name
              + "'. Columns: "
              + String.join(", ", schema.fieldNames())
              + ".",
          null);
    }
    return field;
  }

  private static StructField fieldNamed(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    return null;
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /**
   * The outcome of {@link #validate}.
   *
   * @param rules the rules to evaluate, in the configured order
   * @param skipped the rules left out because {@code account_360} lacks a column they read
   */
  public record Validated(List<Rule> rules, List<Skipped> skipped) {
    public Validated {
      rules = List.copyOf(rules);
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * A rule left out because {@code account_360} lacks columns it reads.
   *
   * @param rule the rule
   * @param missingColumns the columns it reads that {@code account_360} does not have
   */
  public record Skipped(Rule rule, List<String> missingColumns) {
    public Skipped {
      missingColumns = List.copyOf(missingColumns);
    }

    /** The warning logged for it. */
    public String reason() {
      return "Skipping playbook rule '"
          + rule.name()
          + "' ("
          + KEY
          + "): account_360 has no column "
          + String.join(", ", missingColumns)
          + ", which its when (\""
          + rule.when()
          + "\") reads. Configure the source that provides it, or change or remove the rule.";
    }
  }
}
