/**
 * The synthetic data generator ({@code cslake generate}, SPEC §7): a simulated B2B SaaS company
 * whose accounts buy subscriptions, use the product, open tickets, answer surveys and churn for
 * planted, recorded causes.
 *
 * <p>{@link io.cslake.generate.SyntheticData} is the public surface: given a session and {@link
 * io.cslake.generate.GeneratorParams} it returns the Datasets of every source of the contract and
 * of the ground truth, without any I/O. Everything else here is package-private: {@code
 * AccountSimulation} simulates one account month by month from a seed derived from (seed, account
 * index), so the output does not depend on partitioning; {@code UsageGenerator} streams that
 * account's product events day by day on the executors. The job {@code io.cslake.job.GenerateJob}
 * writes the Datasets. This package depends only on {@code io.cslake.contract} and Spark.
 */
package io.cslake.generate;
