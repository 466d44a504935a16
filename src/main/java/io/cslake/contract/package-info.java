/**
 * The input contract (SPEC section 4): the thirteen {@link io.cslake.contract.Source}s with their
 * fields, types and natural keys, and the checking of user expressions ({@link
 * io.cslake.contract.ExpressionGuard}, {@link io.cslake.contract.SourceMapping}) against a source
 * schema before any data is read. Uses Spark's parser and analyser, never reads data.
 */
package io.cslake.contract;
