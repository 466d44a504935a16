package io.cslake;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Expressions a hostile or careless configuration could put where cslake evaluates user Spark SQL
 * (source mappings and filters, health formulas, playbook rules), each with the words its refusal
 * must contain. Every surface's test runs the whole list: none may run, each is refused with a
 * message naming what is wrong.
 */
public final class HostileExpressions {
  /** A statement is not an expression: Spark's parser says where it fails. */
  static final String SYNTAX =
      "not a valid Spark SQL expression ([PARSE_SYNTAX_ERROR] Syntax error";

  private HostileExpressions() {}

  /** (expression, words the refusal names). */
  public static Stream<Arguments> all() {
    return Stream.of(
        Arguments.of("reflect('java.lang.System', 'getenv', 'HOME')", "'reflect'"),
        Arguments.of("java_method('java.lang.System', 'exit', 1)", "'java_method'"),
        Arguments.of("try_reflect('java.lang.Runtime', 'getRuntime')", "'try_reflect'"),
        Arguments.of("(SELECT max(id) FROM range(3))", "subquery"),
        Arguments.of("exists(SELECT 1)", "subquery"),
        Arguments.of("array_contains(array((SELECT 1)), 1)", "subquery"),
        Arguments.of("DROP TABLE accounts", SYNTAX),
        Arguments.of("1; DROP TABLE accounts", SYNTAX),
        // Spark reads "SELECT 'x'" as a typed literal, and refuses the type.
        Arguments.of(
            "'x' IN (SELECT 'x')",
            "not a valid Spark SQL expression ([UNSUPPORTED_TYPED_LITERAL] Literals of the type"),
        Arguments.of("read_files('/etc/passwd')", "'read_files'"),
        Arguments.of("input_file_name()", "'input_file_name'"),
        Arguments.of("assert_true(false)", "'assert_true'"),
        Arguments.of("raise_error('boom')", "'raise_error'"),
        Arguments.of("my_udf(1)", "'my_udf', which is not a Spark SQL built-in"),
        Arguments.of("spark_catalog.default.f(1)", "which is not a Spark SQL built-in"),
        Arguments.of("java.lang.Runtime.getRuntime()", "which is not a Spark SQL built-in"));
  }
}
