package io.conduit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Call metadata: the custom headers and trailers of a call, an ordered multimap of lower-case
 * keys to values.
 *
 * <p>Keys ending in {@code -bin} hold binary values (base64 on the wire); all other keys hold
 * printable ASCII values.
 *
 * <pre>{@code
 * Metadata headers = new Metadata()
 *     .add("x-request-id", "42")
 *     .addBinary("trace-bin", traceBytes);
 * }</pre>
 *
 * <p>Headers the transport owns ({@code content-type}, {@code te}, {@code grpc-timeout},
 * {@code grpc-status}...) cannot be added: {@link IllegalArgumentException} says what sets them.
 *
 * <p>Not thread-safe: build it on one thread, then hand it over.
 */
public final class Metadata {
  /** The headers the transport owns, each with what the application uses instead. */
  private static final Map<String, String> RESERVED = reserved();

  private static Map<String, String> reserved() {
    String transport = "the transport sets it";
    String status = "the call's Status carries it";
    String compression = "choose compression with CallOptions.withCompression (client) or "
        + "ServerStreamObserver.setCompression (server)";
    return Map.ofEntries(
        Map.entry("content-type", transport), Map.entry("te", transport),
        Map.entry("content-length", transport), Map.entry("connection", transport),
        Map.entry("keep-alive", transport), Map.entry("transfer-encoding", transport),
        Map.entry("upgrade", transport), Map.entry("proxy-connection", transport),
        Map.entry("host", "set the authority with Channel.Builder.authority"),
        Map.entry("user-agent", "set it with Channel.Builder.userAgent"),
        Map.entry("grpc-timeout", "set a deadline with CallOptions.withTimeout or withDeadline"),
        Map.entry("grpc-status", status), Map.entry("grpc-message", status),
        Map.entry("grpc-encoding", compression), Map.entry("grpc-accept-encoding", compression));
  }

  /**
   * Whether {@code key} (lower case) is a header the transport owns, which metadata cannot hold
   * and received metadata never shows.
   *
   * @param key the header name, in lower case
   * @return whether the transport owns it
   */
  public static boolean isReserved(String key) {
    return RESERVED.containsKey(key);
  }
  /** The suffix that marks binary keys. */
  public static final String BINARY_SUFFIX = "-bin";

  /** One key and its value: {@code value} is a {@link String} or, for binary keys, a {@code byte[]}. */
  public record Entry(String key, Object value) {
    /**
     * {@return the value; binary values are copies, so the metadata cannot be changed through them}
     */
    @Override
    public Object value() {
      return value instanceof byte[] b ? b.clone() : value;
    }

    /** {@return whether this key's values are bytes (its name ends in {@code -bin})} */
    public boolean isBinary() {
      return value instanceof byte[];
    }

    /**
     * {@return the value as it is sent: the ASCII value, or the unpadded base64 of a binary value}
     */
    public String wireValue() {
      return value instanceof byte[] b
          ? Base64.getEncoder().withoutPadding().encodeToString(b)
          : (String) value;
    }
  }

  // Most calls carry no metadata: the list is made on the first add.
  private List<Entry> entries = List.of();

  /** Empty metadata. */
  public Metadata() {}

  /**
   * A copy of {@code other}.
   *
   * @param other the metadata to copy
   */
  public Metadata(Metadata other) {
    if (!other.entries.isEmpty()) {
      this.entries = new ArrayList<>(other.entries);
    }
  }

  private List<Entry> mutableEntries() {
    if (!(entries instanceof ArrayList)) {
      entries = new ArrayList<>(4);
    }
    return entries;
  }

  /**
   * Adds an ASCII value; {@code key} must not end in {@code -bin}.
   *
   * @param key the key, in lower case
   * @param value the value, printable ASCII
   * @return this metadata
   */
  public Metadata add(String key, String value) {
    String k = checkKey(key);
    if (isBinaryKey(k)) {
      throw new IllegalArgumentException("binary key '" + k + "' needs a byte[] value");
    }
    mutableEntries().add(new Entry(k, checkAsciiValue(k, value)));
    return this;
  }

  /**
   * Adds a binary value; {@code key} must end in {@code -bin}.
   *
   * @param key the key, in lower case
   * @param value the value; copied
   * @return this metadata
   */
  public Metadata addBinary(String key, byte[] value) {
    String k = checkKey(key);
    if (!isBinaryKey(k)) {
      throw new IllegalArgumentException("key '" + k + "' of a binary value must end in -bin");
    }
    mutableEntries().add(new Entry(k, Objects.requireNonNull(value, "value").clone()));
    return this;
  }

  /**
   * Adds a value as it came off the wire: base64 (padded or not) for binary keys. Used by
   * transports; invalid keys or values throw {@link IllegalArgumentException}.
   *
   * @param key the key, in lower case
   * @param wireValue the value as received
   * @return this metadata
   */
  public Metadata addWireValue(String key, String wireValue) {
    String k = checkKey(key);
    if (isBinaryKey(k)) {
      // A peer may join several binary values into one header, separated by commas.
      for (String part : wireValue.split(",", -1)) {
        mutableEntries().add(new Entry(k, decodeBase64(k, part)));
      }
    } else {
      mutableEntries().add(new Entry(k, checkAsciiValue(k, wireValue)));
    }
    return this;
  }

  /**
   * The last ASCII value for {@code key}, or {@code null}.
   *
   * @param key the key
   * @return the value, or {@code null}
   */
  public String get(String key) {
    String k = normalize(key);
    for (int i = entries.size() - 1; i >= 0; i--) {
      Entry e = entries.get(i);
      if (e.key.equals(k) && e.value instanceof String s) {
        return s;
      }
    }
    return null;
  }

  /**
   * All ASCII values for {@code key}, in order; empty when there are none.
   *
   * @param key the key
   * @return the values
   */
  public List<String> getAll(String key) {
    String k = normalize(key);
    List<String> out = new ArrayList<>(1);
    for (Entry e : entries) {
      if (e.key.equals(k) && e.value instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * The last binary value for {@code key}, or {@code null}.
   *
   * @param key the key, ending in {@code -bin}
   * @return a copy of the value, or {@code null}
   */
  public byte[] getBinary(String key) {
    String k = normalize(key);
    for (int i = entries.size() - 1; i >= 0; i--) {
      Entry e = entries.get(i);
      if (e.key.equals(k) && e.value instanceof byte[] b) {
        return b.clone();
      }
    }
    return null;
  }

  /**
   * All binary values for {@code key}, in order; empty when there are none.
   *
   * @param key the key, ending in {@code -bin}
   * @return copies of the values
   */
  public List<byte[]> getAllBinary(String key) {
    String k = normalize(key);
    List<byte[]> out = new ArrayList<>(1);
    for (Entry e : entries) {
      if (e.key.equals(k) && e.value instanceof byte[] b) {
        out.add(b.clone());
      }
    }
    return out;
  }

  /**
   * Whether any value is set for {@code key}.
   *
   * @param key the key
   * @return whether it has a value
   */
  public boolean containsKey(String key) {
    String k = normalize(key);
    for (Entry e : entries) {
      if (e.key.equals(k)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes every value of {@code key}; returns whether there was one.
   *
   * @param key the key
   * @return whether a value was removed
   */
  public boolean remove(String key) {
    String k = normalize(key);
    return !entries.isEmpty() && entries.removeIf(e -> e.key.equals(k));
  }

  /**
   * Adds every entry of {@code other}, after this one's.
   *
   * @param other the metadata to add
   * @return this metadata
   */
  public Metadata merge(Metadata other) {
    if (!other.entries.isEmpty()) {
      mutableEntries().addAll(other.entries);
    }
    return this;
  }

  /** {@return the distinct keys, in first-seen order} */
  public Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    for (Entry e : entries) {
      keys.add(e.key);
    }
    return keys;
  }

  /** {@return the entries in order, as an unmodifiable view} */
  public List<Entry> entries() {
    return entries.isEmpty() ? List.of() : Collections.unmodifiableList(entries);
  }

  /** {@return the number of values (a key set twice counts twice)} */
  public int size() {
    return entries.size();
  }

  /** {@return whether no value is set} */
  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Whether {@code key} names a binary header (it ends in {@code -bin}).
   *
   * @param key the key
   * @return whether it ends in {@code -bin}
   */
  public static boolean isBinaryKey(String key) {
    return key.endsWith(BINARY_SUFFIX);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Metadata(");
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      sb.append(i == 0 ? "" : ",").append(e.key).append('=').append(e.wireValue());
    }
    return sb.append(')').toString();
  }

  private static String normalize(String key) {
    return key.toLowerCase(java.util.Locale.ROOT);
  }

  private static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("empty metadata key");
    }
    // Checked before lower-casing: some non-ASCII letters lower-case to ASCII ones.
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.';
      if (!ok) {
        throw new IllegalArgumentException("invalid character '" + c + "' in metadata key '" + key + "'");
      }
    }
    String k = normalize(key);
    String instead = RESERVED.get(k);
    if (instead != null) {
      throw new IllegalArgumentException("metadata key '" + k + "' is reserved for the gRPC "
          + "transport: " + instead);
    }
    return k;
  }

  private static String checkAsciiValue(String key, String value) {
    Objects.requireNonNull(value, "value");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(
            "metadata value of '" + key + "' has a non-printable or non-ASCII character at " + i);
      }
    }
    return value;
  }

  private static byte[] decodeBase64(String key, String value) {
    // Accept padded and unpadded base64, as the spec requires; the JDK decoder takes both.
    try {
      return Base64.getDecoder().decode(value.trim().getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("metadata value of '" + key + "' is not valid base64", e);
    }
  }
}
