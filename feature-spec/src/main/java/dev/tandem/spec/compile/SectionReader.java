package dev.tandem.spec.compile;

/**
 * The one shape of every part of the compiler that reads a spec: built with the {@link Yaml}
 * (where errors go) and the results of the sections it depends on, it reads its section(s) from
 * the spec's top-level entries and returns what they declare. Errors are reported at their
 * file:line:col, never thrown; what a broken entry would have declared is left out.
 *
 * @param <T> what the section declares
 */
interface SectionReader<T> {

  /** Reads this reader's section(s) of {@code spec}; an absent optional section declares nothing. */
  T read(Yaml.Entries spec);
}
