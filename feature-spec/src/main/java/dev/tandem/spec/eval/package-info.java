/**
 * The evaluation core, called by Beam and by the server with the same inputs.
 * {@link dev.tandem.spec.eval.FeaturePlan#evaluate(Object[], long, dev.tandem.spec.eval.StatePlan.Lookup)}
 * is the one entry for a request: its row and the stored rows of each store in, the feature row
 * out, every rule applied inside (tie order, frames, MAXSIZE, union projections, NULL keys,
 * last-join picks). A runner that streams many requests in order uses what that entry is built
 * on: a {@link dev.tandem.spec.eval.WindowSweep} per {@link dev.tandem.spec.eval.WindowGroup}, a
 * {@link dev.tandem.spec.eval.JoinPlan.JoinSweep} per last join, then
 * {@link dev.tandem.spec.eval.FeaturePlan#assemble}. {@link dev.tandem.spec.eval.StatePlan} says
 * what state to keep per table and key (and how long); {@link dev.tandem.spec.eval.ServingPlan}
 * how a live request becomes request rows; {@link dev.tandem.spec.eval.IngestedRow} is a stored
 * row with its ingestion sequence.
 */
package dev.tandem.spec.eval;
