package io.conduit.internal.resolver;

import io.conduit.internal.Json;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Service configs published in DNS (gRFC A2): the {@code grpc_config=} attribute of a TXT record
 * at {@code _grpc_config.<host>} holds a JSON list of choices; the first choice whose criteria
 * ({@code clientLanguage}, {@code percentage}, {@code clientHostname}) match this client gives
 * the {@code serviceConfig}.
 */
final class DnsServiceConfig {
  /** The prefix of the name whose TXT records carry the config. */
  static final String NAME_PREFIX = "_grpc_config.";
  private static final String ATTRIBUTE = "grpc_config=";
  private static final Set<String> CHOICE_FIELDS =
      Set.of("clientLanguage", "percentage", "clientHostname", "serviceConfig");

  private DnsServiceConfig() {}

  /**
   * The text of one TXT record: its character strings (at most 255 bytes each, so a long value
   * spans several) joined, as RFC 4408 section 3.1.3 does.
   */
  static String txtText(ByteBuf rdata) {
    byte[] out = new byte[rdata.readableBytes()];
    int length = 0;
    int i = rdata.readerIndex();
    int end = rdata.writerIndex();
    while (i < end) {
      int n = Math.min(rdata.getUnsignedByte(i), end - i - 1);
      rdata.getBytes(i + 1, out, length, n);
      length += n;
      i += 1 + n;
    }
    // Decoded once joined: a UTF-8 character may straddle two strings.
    return new String(out, 0, length, StandardCharsets.UTF_8);
  }

  /**
   * The service config (JSON) that {@code txtRecords} choose for this client, or null when no
   * record has a {@code grpc_config} attribute or no choice matches. Choices are read in order up
   * to the one chosen; {@code percentRoll} yields uniform values in [0, 100).
   *
   * @throws IllegalArgumentException when the attribute is not a JSON list of valid choices: the
   *     whole config is then invalid (gRFC A2, A21), not just the bad choice
   */
  static String choose(List<String> txtRecords, IntSupplier percentRoll,
      Supplier<String> localHostname) {
    List<Object> choices = new ArrayList<>();
    for (String txt : txtRecords) {
      if (!txt.startsWith(ATTRIBUTE)) {
        continue; // other TXT data at the same name is none of our business
      }
      if (!(Json.parse(txt.substring(ATTRIBUTE.length())) instanceof List<?> list)) {
        throw new IllegalArgumentException("grpc_config must be a JSON list of choices");
      }
      choices.addAll(list);
    }
    for (int i = 0; i < choices.size(); i++) {
      if (!(choices.get(i) instanceof Map<?, ?> choice)) {
        throw new IllegalArgumentException("choice " + i + " is not a JSON object");
      }
      try {
        Map<?, ?> serviceConfig = matching(choice, percentRoll, localHostname);
        if (serviceConfig != null) {
          return Json.write(serviceConfig);
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("choice " + i + ": " + e.getMessage(), e);
      }
    }
    return null;
  }

  /** The choice's serviceConfig if the choice applies to this client; null if not. */
  private static Map<?, ?> matching(Map<?, ?> choice, IntSupplier percentRoll,
      Supplier<String> localHostname) {
    for (Object field : choice.keySet()) {
      if (!CHOICE_FIELDS.contains(field)) {
        throw new IllegalArgumentException("unknown field '" + field + "'");
      }
    }
    if (!(choice.get("serviceConfig") instanceof Map<?, ?> serviceConfig)) {
      throw new IllegalArgumentException("serviceConfig must be a JSON object");
    }
    List<String> languages = strings(choice, "clientLanguage");
    if (!languages.isEmpty()
        && languages.stream().noneMatch(l -> l.toLowerCase(Locale.ROOT).equals("java"))) {
      return null;
    }
    Object percentage = choice.get("percentage");
    if (percentage != null) {
      if (!(percentage instanceof Double p) || p != Math.rint(p) || p < 0 || p > 100) {
        throw new IllegalArgumentException("percentage must be an integer from 0 to 100: "
            + percentage);
      }
      if (percentRoll.getAsInt() >= p) {
        return null;
      }
    }
    List<String> hostnames = strings(choice, "clientHostname");
    if (!hostnames.isEmpty() && !hostnames.contains(localHostname.get())) {
      return null;
    }
    return serviceConfig;
  }

  /** A list-of-strings criterion; empty when absent (absent and empty both match everyone). */
  private static List<String> strings(Map<?, ?> choice, String field) {
    Object value = choice.get(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw new IllegalArgumentException(field + " must be a list of strings");
    }
    return list.stream().map(String.class::cast).toList();
  }

  /**
   * This machine's host name, for {@code clientHostname}; null when it cannot be told. Looked up
   * once per JVM, on first need: configs that name hosts are rare, and the lookup may block.
   */
  static String localHostname() {
    return LocalHostname.NAME;
  }

  private static final class LocalHostname {
    static final String NAME = lookUp();

    private static String lookUp() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return null;
      }
    }
  }
}
