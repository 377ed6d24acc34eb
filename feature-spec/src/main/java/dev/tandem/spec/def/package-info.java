/**
 * What a spec declares, as immutable records: {@link dev.tandem.spec.def.TableDef} (role, key,
 * time, typed columns), {@link dev.tandem.spec.def.WindowDef}, {@link dev.tandem.spec.def.JoinDef},
 * {@link dev.tandem.spec.def.FeatureDef}, {@link dev.tandem.spec.def.ModelDef} and the value
 * {@link dev.tandem.spec.def.Type}s. Read by every module; no behaviour beyond lookups and the
 * one rule for rows no engine can use ({@link dev.tandem.spec.def.TableDef#rejection}).
 */
package dev.tandem.spec.def;
