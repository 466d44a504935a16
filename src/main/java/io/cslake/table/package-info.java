/**
 * Table I/O: the lakehouse layout ({@link io.cslake.table.Lakehouse}), the declaration of every
 * table the pipeline writes ({@link io.cslake.table.TableGraph}: names, partitioning, what a run
 * replaces, writers, reads), source readers, Delta writers and the operational tables {@code
 * _quarantine}, {@code _runs} and {@code _state}. Column and table names of each table are
 * constants of its class. Depends on {@code config}, {@code contract}, {@code transform} (for the
 * names of validation columns and of the tables) and {@code model} (the name of {@code
 * churn_risk_scores}).
 */
package io.cslake.table;
