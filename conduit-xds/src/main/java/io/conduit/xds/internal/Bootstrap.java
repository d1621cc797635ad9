package io.conduit.xds.internal;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.conduit.internal.Json;
import io.conduit.xds.internal.proto.Locality;
import io.conduit.xds.internal.proto.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The xDS bootstrap (gRFC A27): which management server to ask, with which credentials, and who
 * this client is. It comes from the file {@code GRPC_XDS_BOOTSTRAP} names, or else from the JSON
 * in {@code GRPC_XDS_BOOTSTRAP_CONFIG}. Only the first of {@code xds_servers} is used, and of its
 * {@code channel_creds} the first type this client supports: {@code insecure}, or {@code tls}
 * (the JDK's trusted roots; its {@code config} of certificate files is not read).
 *
 * @param serverUri the management server's target, e.g. {@code dns:///xds.example.com:443}
 * @param tls whether the channel to it uses TLS
 * @param node who this client is, sent in the first discovery request of each stream
 * @param json the bootstrap as read, the key of the shared client
 */
public record Bootstrap(String serverUri, boolean tls, Node node, String json) {
  /** The variable naming the bootstrap file. */
  public static final String FILE_VARIABLE = "GRPC_XDS_BOOTSTRAP";
  /** The variable holding the bootstrap JSON itself. */
  public static final String CONFIG_VARIABLE = "GRPC_XDS_BOOTSTRAP_CONFIG";
  private static final String USER_AGENT = "Conduit";

  /**
   * Reads the bootstrap as the environment says.
   *
   * @param env the environment, e.g. {@code System::getenv}
   * @return the bootstrap
   * @throws IllegalArgumentException when neither variable is set, the file cannot be read, or
   *     the JSON is not a valid bootstrap; the message says which
   */
  public static Bootstrap fromEnvironment(Function<String, String> env) {
    String file = env.apply(FILE_VARIABLE);
    if (file != null && !file.isEmpty()) {
      String json;
      try {
        json = Files.readString(Path.of(file));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the xDS bootstrap file " + file
            + " (" + FILE_VARIABLE + "): " + e, e);
      }
      return parse(json, FILE_VARIABLE + "=" + file);
    }
    String config = env.apply(CONFIG_VARIABLE);
    if (config != null && !config.isEmpty()) {
      return parse(config, CONFIG_VARIABLE);
    }
    throw new IllegalArgumentException("no xDS bootstrap: set " + FILE_VARIABLE
        + " to a bootstrap file or " + CONFIG_VARIABLE + " to its JSON");
  }

  /**
   * Parses a bootstrap.
   *
   * @param json the bootstrap JSON
   * @param source where it came from, for error messages
   * @return the bootstrap
   * @throws IllegalArgumentException for a bootstrap that is not valid, naming the field
   */
  public static Bootstrap parse(String json, String source) {
    Map<String, Object> root;
    try {
      root = Json.parseObject(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + ") is not JSON: "
          + e.getMessage(), e);
    }
    List<?> servers = list(root, "xds_servers", source);
    if (servers == null || servers.isEmpty()) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + "): xds_servers is missing "
          + "or empty");
    }
    Map<String, Object> server = object(servers.get(0), "xds_servers[0]", source);
    Object uri = server.get("server_uri");
    if (!(uri instanceof String s) || s.isEmpty()) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + "): xds_servers[0].server_uri "
          + "must be a non-empty string");
    }
    List<?> creds = list(server, "channel_creds", source);
    String chosen = null;
    StringBuilder seen = new StringBuilder();
    if (creds != null) {
      for (int i = 0; i < creds.size() && chosen == null; i++) {
        Object type = object(creds.get(i), "xds_servers[0].channel_creds[" + i + "]", source)
            .get("type");
        if ("insecure".equals(type) || "tls".equals(type)) {
          chosen = (String) type;
        }
        seen.append(seen.isEmpty() ? "" : ", ").append(type);
      }
    }
    if (chosen == null) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + "): xds_servers[0]"
          + ".channel_creds names no supported type (supported: insecure, tls; given: [" + seen
          + "])");
    }
    return new Bootstrap(s, chosen.equals("tls"), node(root.get("node"), source), json);
  }

  private static Node node(Object value, String source) {
    Node.Builder node = Node.newBuilder()
        .setUserAgentName(USER_AGENT)
        .setUserAgentVersion(String.valueOf(Bootstrap.class.getPackage().getImplementationVersion()))
        .addClientFeatures("envoy.lb.does_not_support_overprovisioning");
    if (value == null) {
      return node.build();
    }
    Map<String, Object> n = object(value, "node", source);
    node.setId(string(n, "id", source)).setCluster(string(n, "cluster", source));
    if (n.get("locality") != null) {
      Map<String, Object> l = object(n.get("locality"), "node.locality", source);
      node.setLocality(Locality.newBuilder()
          .setRegion(string(l, "region", source))
          .setZone(string(l, "zone", source))
          .setSubZone(string(l, "sub_zone", source)));
    }
    if (n.get("metadata") != null) {
      node.setMetadata(struct(object(n.get("metadata"), "node.metadata", source)));
    }
    return node.build();
  }

  private static Struct struct(Map<String, Object> map) {
    Struct.Builder s = Struct.newBuilder();
    map.forEach((k, v) -> s.putFields(k, value(v)));
    return s.build();
  }

  @SuppressWarnings("unchecked")
  private static Value value(Object v) {
    if (v == null) {
      return Value.newBuilder().setNullValueValue(0).build();
    } else if (v instanceof String s) {
      return Value.newBuilder().setStringValue(s).build();
    } else if (v instanceof Number d) {
      return Value.newBuilder().setNumberValue(d.doubleValue()).build();
    } else if (v instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    } else if (v instanceof Map<?, ?> m) {
      return Value.newBuilder().setStructValue(struct((Map<String, Object>) m)).build();
    }
    com.google.protobuf.ListValue.Builder list = com.google.protobuf.ListValue.newBuilder();
    for (Object o : (List<?>) v) {
      list.addValues(value(o));
    }
    return Value.newBuilder().setListValue(list).build();
  }

  private static String string(Map<String, Object> m, String key, String source) {
    Object v = m.get(key);
    if (v == null) {
      return "";
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + "): " + key
          + " must be a string");
    }
    return s;
  }

  private static List<?> list(Map<String, Object> m, String key, String source) {
    Object v = m.get(key);
    if (v != null && !(v instanceof List<?>)) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + "): " + key
          + " must be a list");
    }
    return (List<?>) v;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object v, String what, String source) {
    if (!(v instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("xDS bootstrap (" + source + "): " + what
          + " must be an object");
    }
    return (Map<String, Object>) v;
  }
}
