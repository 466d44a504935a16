package io.cslake.contract;

/**
 * One field of a source's contract.
 *
 * @param name the contract name (lower snake case), also the silver column name
 * @param type the silver type
 * @param required whether a null value sends the row to quarantine
 * @param eventTime whether a value later than the as-of date plus the tolerance is quarantined
 */
public record Field(String name, FieldType type, boolean required, boolean eventTime) {

  static Field required(String name, FieldType type) {
    return new Field(name, type, true, false);
  }

  static Field optional(String name, FieldType type) {
    return new Field(name, type, false, false);
  }

  /** A required timestamp that dates the row: it may not lie in the future. */
  static Field requiredTime(String name, FieldType type) {
    return new Field(name, type, true, true);
  }

  /** An optional timestamp that may not lie in the future. */
  static Field optionalTime(String name, FieldType type) {
    return new Field(name, type, false, true);
  }
}
