/**
 * Jobs: one per command, wiring readers, transformations and writers for a {@link
 * io.cslake.job.JobContext} (session, configuration, lakehouse, run id), and recording what they
 * did in {@code _runs}. May depend on every package but {@code cli}.
 */
package io.cslake.job;
