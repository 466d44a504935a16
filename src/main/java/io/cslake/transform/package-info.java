/**
 * Pure transformations: {@code Dataset<Row>} in, {@code Dataset<Row>} out, no I/O and no session
 * lookup, so each is testable on small in-memory frames. Depends on {@code contract}.
 */
package io.cslake.transform;
