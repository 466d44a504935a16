/**
 * Table I/O: the lakehouse layout ({@link io.cslake.table.Lakehouse}), source readers, Delta
 * writers and the operational tables {@code _quarantine}, {@code _runs} and {@code _state}. Column
 * and table names of each table are constants of its class. Depends on {@code config}, {@code
 * contract} and {@code transform} (for the names of validation columns).
 */
package io.cslake.table;
