/**
 * The typed configuration: {@link io.cslake.config.ConfigLoader} layers the packaged defaults
 * ({@code conf/cslake.conf}), {@code --conf} files and {@code --set} pairs, checks every key and
 * type once, and returns one immutable {@link io.cslake.config.CslakeConfig}. Depends on {@code
 * contract} only; no Spark.
 */
package io.cslake.config;
