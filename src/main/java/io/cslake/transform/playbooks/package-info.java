/**
 * Playbooks (SPEC §6.5) as pure transformations: rules from {@code cslake.playbooks.rules} are
 * checked against {@code account_360}'s schema ({@link
 * io.cslake.transform.playbooks.Playbooks#validate}) and evaluated over it ({@link
 * io.cslake.transform.playbooks.Playbooks#evaluate}) into the rows of {@code playbook_alerts} to
 * merge ({@link io.cslake.transform.playbooks.PlaybookAlerts}: column names and schema). No I/O and
 * no session lookup; the {@code score} job reads {@code account_360} and the alerts table and
 * merges the result. Depends only on {@link io.cslake.config} (the rules), {@link
 * io.cslake.contract.ExpressionGuard} and {@link io.cslake.CslakeException}. Rule syntax and the
 * alert lifecycle are in {@code docs/playbooks.md}.
 */
package io.cslake.transform.playbooks;
