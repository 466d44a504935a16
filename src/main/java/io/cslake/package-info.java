/**
 * cslake: a customer-success lakehouse on Apache Spark. This root package holds only what every
 * layer shares: {@link io.cslake.CslakeException}, the one kind of user-facing error.
 *
 * <p>Layers, from the bottom: {@code contract} and {@code config} (what the inputs and settings
 * are), {@code transform} and {@code generate} (pure Dataset-to-Dataset functions), {@code table}
 * (reading and writing), {@code job} (commands that wire them), {@code cli} (the entry point). A
 * layer depends only on layers below it; see docs/ARCHITECTURE.md.
 */
package io.cslake;
