package dev.tandem.spec.compile;

import java.time.DateTimeException;
import java.time.ZoneOffset;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads the spec's {@code name}, {@code version} and {@code timezone}. */
final class HeaderReader implements SectionReader<SpecHeader> {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

  private final Yaml yaml;

  HeaderReader(Yaml yaml) {
    this.yaml = yaml;
  }

  @Override
  public SpecHeader read(Yaml.Entries top) {
    String name = null;
    int version = 1;
    ZoneOffset zone = ZoneOffset.ofHours(8);
    Node nameNode = top.get("name");
    if (nameNode != null) {
      name = yaml.scalar(nameNode, "name");
      if (name != null && !NAME.matcher(name).matches()) {
        yaml.error(nameNode, "bad spec name '" + name + "' (letters, digits, '_', '.', '-'; starting with a letter)");
      }
    }
    if (top.get("version") != null) {
      Integer v = yaml.integer(top.get("version"), "version", 1);
      version = v == null ? version : v;
    }
    if (top.get("timezone") != null) {
      String tz = yaml.scalar(top.get("timezone"), "timezone");
      try {
        zone = tz == null ? zone : ZoneOffset.of(tz);
      } catch (DateTimeException e) {
        yaml.error(top.get("timezone"), "bad timezone '" + tz + "' (expected an offset like +08:00 or Z)");
      }
    }
    return new SpecHeader(name, version, zone);
  }
}
