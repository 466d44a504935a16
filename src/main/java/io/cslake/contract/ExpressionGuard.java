package io.cslake.contract;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.types.DataType;
import scala.collection.JavaConverters;

/**
 * Parses a user's Spark SQL expression (a mapping, a filter, a playbook condition) with Spark's own
 * parser and refuses what may not run inside cslake: subqueries, functions that reach outside the
 * data ({@code reflect}, {@code java_method}, ...), and any function that is not one of Spark's
 * built-ins (so nothing a catalog registered). Values are never spliced into SQL: the expression is
 * the user's own text, checked as a tree.
 */
public final class ExpressionGuard {
  /** Built-ins that call arbitrary JVM code, fail the job on purpose, or read outside the row. */
  static final Set<String> FORBIDDEN =
      Set.of(
          "reflect",
          "java_method",
          "try_reflect",
          "raise_error",
          "assert_true",
          "input_file_name",
          "input_file_block_start",
          "input_file_block_length",
          "read_files",
          "url_decode",
          "url_encode");

  private ExpressionGuard() {}

  /**
   * Parses {@code sql} and returns the parsed (unresolved) expression, or the reason it is refused.
   */
  public static Result check(SparkSession spark, String sql) {
    Expression parsed;
    try {
      parsed = spark.sessionState().sqlParser().parseExpression(sql);
    } catch (ParseException e) {
      // Spark's message starts with a line break: its first non-blank line says what is wrong.
      String message = e.getMessage() == null ? "" : e.getMessage().strip().split("\n", 2)[0];
      return Result.refused("it is not a valid Spark SQL expression (" + message.trim() + ")");
    }
    Deque<Expression> todo = new ArrayDeque<>();
    todo.push(parsed);
    while (!todo.isEmpty()) {
      Expression e = todo.pop();
      if (e instanceof SubqueryExpression) {
        return Result.refused("it contains a subquery; only expressions over the row are allowed");
      }
      if (e instanceof UnresolvedFunction f) {
        Optional<String> why = refuseFunction(JavaConverters.seqAsJavaList(f.nameParts()));
        if (why.isPresent()) {
          return Result.refused(why.get());
        }
      }
      for (Expression child : JavaConverters.seqAsJavaList(e.children())) {
        todo.push(child);
      }
    }
    return new Result(Optional.of(parsed), Optional.empty());
  }

  /**
   * {@link #check Checks} {@code sql}, then resolves it over {@code empty} (an empty frame with the
   * columns the expression may read: no data is read) and requires one deterministic value per row.
   * The callers (source mappings, health formulas, playbook rules) add their own message prefix and
   * type check.
   *
   * @param empty an empty frame with the schema the expression is evaluated over
   * @param sql the user's expression
   * @return the resolved column and its type, or why it is refused
   */
  public static Resolved resolve(Dataset<Row> empty, String sql) {
    Result guard = check(empty.sparkSession(), sql);
    if (!guard.isAccepted()) {
      return Resolved.refused(Refusal.FORBIDDEN, guard.refusal().get());
    }
    Column column = new Column(guard.expression().get());
    Dataset<Row> probe;
    try {
      probe = empty.select(column);
      probe.schema();
    } catch (Exception e) {
      if (!(e instanceof AnalysisException analysis)) {
        throw e;
      }
      return Resolved.refused(Refusal.UNRESOLVED, firstLine(analysis.getSimpleMessage()));
    }
    LogicalPlan plan = probe.queryExecution().analyzed();
    if (!(plan instanceof Project project && project.child() instanceof LocalRelation)) {
      return Resolved.refused(
          Refusal.SHAPE, "it aggregates, explodes or windows rows; it must give one value per row");
    }
    Expression analyzed = (Expression) project.projectList().head();
    if (!analyzed.deterministic()) {
      return Resolved.refused(
          Refusal.SHAPE, "it is not deterministic, so re-running would give a different result");
    }
    return new Resolved(
        Optional.of(column), Optional.of(analyzed.dataType()), Optional.empty(), null);
  }

  private static String firstLine(String message) {
    String line = message == null ? "" : message.split("\n", 2)[0].trim();
    return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
  }

  private static Optional<String> refuseFunction(List<String> nameParts) {
    String name = String.join(".", nameParts).toLowerCase(Locale.ROOT);
    if (nameParts.size() != 1) {
      return Optional.of(
          "it calls the function '" + name + "', which is not a Spark SQL built-in function");
    }
    if (FORBIDDEN.contains(name)) {
      return Optional.of(
          "it calls '" + name + "', which reaches outside the data and is not allowed in cslake");
    }
    if (!FunctionRegistry.expressions().contains(name)) {
      return Optional.of(
          "it calls the function '" + name + "', which is not a Spark SQL built-in function");
    }
    return Optional.empty();
  }

  /**
   * The outcome of a check.
   *
   * @param expression the parsed expression when accepted
   * @param refusal why it was refused, in words that complete "Cannot use it: ..."
   */
  public record Result(Optional<Expression> expression, Optional<String> refusal) {
    static Result refused(String why) {
      return new Result(Optional.empty(), Optional.of(why));
    }

    public boolean isAccepted() {
      return refusal.isEmpty();
    }
  }

  /** Why {@link #resolve} refused an expression. */
  public enum Refusal {
    /** Not parseable, a subquery, or a function that is not an allowed built-in. */
    FORBIDDEN,
    /** It names a column or function the frame does not have (Spark's analyzer said why). */
    UNRESOLVED,
    /** It aggregates, explodes, windows, or is not deterministic. */
    SHAPE
  }

  /**
   * The outcome of {@link #resolve}.
   *
   * @param column the resolved expression when accepted
   * @param type its type when accepted
   * @param refusal why it was refused, in words that complete "Cannot use it: ..."
   * @param kind the kind of refusal, null when accepted
   */
  public record Resolved(
      Optional<Column> column, Optional<DataType> type, Optional<String> refusal, Refusal kind) {
    static Resolved refused(Refusal kind, String why) {
      return new Resolved(Optional.empty(), Optional.empty(), Optional.of(why), kind);
    }

    public boolean isAccepted() {
      return refusal.isEmpty();
    }
  }
}
