/**
 * Values as bytes and text, the same in every engine: {@link dev.tandem.spec.encoding.Values}
 * (canonical text, parsing, comparison, grouping keys), {@link dev.tandem.spec.encoding.OrderedBytes}
 * (keys whose unsigned byte order is the values' order, for sorts and shuffles),
 * {@link dev.tandem.spec.encoding.RowCodec} (a stored row in Redis),
 * {@link dev.tandem.spec.encoding.ModelEncoder} (a feature row to model ids) and
 * {@link dev.tandem.spec.encoding.XxHash64}.
 */
package dev.tandem.spec.encoding;
