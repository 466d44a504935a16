/**
 * The command line: {@link io.cslake.cli.Main} (picocli) and one class per command. A command loads
 * the configuration, starts Spark, calls one job and prints its summary; it holds no logic of its
 * own. May depend on every other package.
 */
package io.cslake.cli;
