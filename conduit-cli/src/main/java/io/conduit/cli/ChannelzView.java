package io.conduit.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Status;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code conduit channelz}: the server's {@code grpc.channelz.v1.Channelz}, asked with the same
 * dynamic calls as {@code conduit call} (its schema from reflection or {@code --protoset}).
 * Tables of servers, channels, subchannels and sockets (every page of each list); with an id,
 * that entity as JSON.
 */
final class ChannelzView {
  private static final String SERVICE = "grpc.channelz.v1.Channelz";

  private final CallFactory channel;
  private final CallOptions options;
  private final ServiceDescriptor service;
  private final JsonMessages json;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean verbose;

  private ChannelzView(CallFactory channel, CallOptions options, FileDescriptor file, PrintStream out,
      PrintStream err, boolean verbose) {
    this.channel = channel;
    this.options = options;
    this.service = file.findServiceByName("Channelz");
    this.json = new JsonMessages(file);
    this.out = out;
    this.err = err;
    this.verbose = verbose;
  }

  static int show(DescriptorSource source, CallFactory channel, CallOptions options, List<String> rest,
      PrintStream out, PrintStream err, boolean verbose) {
    try (source) {
      FileDescriptor file = source.fileContainingSymbol(SERVICE);
      if (file == null) {
        throw new UsageException("the server has no " + SERVICE);
      }
      new ChannelzView(channel, options, file, out, err, verbose).show(rest);
      return 0;
    }
  }

  private void show(List<String> rest) {
    String what = rest.isEmpty() ? "all" : rest.get(0);
    switch (what) {
      case "all" -> {
        servers();
        channels();
      }
      case "servers" -> servers();
      case "channels" -> channels();
      case "subchannels" -> subchannels(rest.size() > 1 ? id(rest.get(1)) : null);
      case "sockets" -> sockets(rest.size() > 1 ? id(rest.get(1)) : null);
      case "server", "channel", "socket", "subchannel" -> {
        if (rest.size() != 2) {
          throw new UsageException("channelz " + what + " wants an id");
        }
        String method = "Get" + Character.toUpperCase(what.charAt(0)) + what.substring(1);
        for (DynamicMessage m : ask(method, "{\"" + what + "Id\": \"" + id(rest.get(1)) + "\"}")) {
          out.println(json.print(m));
        }
      }
      default -> throw new UsageException("channelz wants servers, channels, subchannels [CHANNEL_ID], "
          + "sockets [SERVER_ID], or server|channel|subchannel|socket ID, not " + what);
    }
  }

  // ---------------------------------------------------------------- the views

  private void servers() {
    table("SERVER", all("GetServers", "startServerId", "", "server"), "data");
  }

  private void channels() {
    table("CHANNEL", all("GetTopChannels", "startChannelId", "", "channel"), "data");
  }

  /** The subchannels of one channel, or of every channel. */
  private void subchannels(Long channelId) {
    List<Message> channels = channelId == null
        ? all("GetTopChannels", "startChannelId", "", "channel")
        : List.of((Message) get(one("GetChannel", "channelId", channelId), "channel"));
    out.printf("%-13s %-10s %-24s %-18s %9s %9s %9s  %-30s %s%n", "SUBCHANNEL_ID", "CHANNEL_ID",
        "TARGET", "STATE", "STARTED", "SUCCEEDED", "FAILED", "LAST_CALL", "SOCKETS");
    for (Message c : channels) {
      Object cid = get((Message) get(c, "ref"), "channel_id");
      for (Object ref : (List<?>) get(c, "subchannel_ref")) {
        Message sc = (Message) get(one("GetSubchannel", "subchannelId", get((Message) ref, "subchannel_id")),
            "subchannel");
        Message data = (Message) get(sc, "data");
        List<String> sockets = new ArrayList<>();
        for (Object s : (List<?>) get(sc, "socket_ref")) {
          sockets.add(String.valueOf(get((Message) s, "socket_id")));
        }
        out.printf("%-13s %-10s %-24s %-18s %9s %9s %9s  %-30s %s%n",
            get((Message) get(sc, "ref"), "subchannel_id"), cid, get(data, "target"), state(data),
            get(data, "calls_started"), get(data, "calls_succeeded"), get(data, "calls_failed"),
            time((Message) get(data, "last_call_started_timestamp")),
            sockets.isEmpty() ? "-" : String.join(",", sockets));
      }
    }
  }

  /** The sockets of one server, or of every server and subchannel. */
  private void sockets(Long serverId) {
    List<String[]> owned = new ArrayList<>();
    List<Long> servers = new ArrayList<>();
    if (serverId != null) {
      servers.add(serverId);
    } else {
      for (Message s : all("GetServers", "startServerId", "", "server")) {
        servers.add((Long) get((Message) get(s, "ref"), "server_id"));
      }
    }
    for (long id : servers) {
      for (Message ref : all("GetServerSockets", "startSocketId", "\"serverId\": \"" + id + "\", ",
          "socket_ref")) {
        owned.add(new String[] {"server " + id, String.valueOf(get(ref, "socket_id"))});
      }
    }
    if (serverId == null) {
      for (Message c : all("GetTopChannels", "startChannelId", "", "channel")) {
        for (Object ref : (List<?>) get(c, "subchannel_ref")) {
          Object scId = get((Message) ref, "subchannel_id");
          Message sc = (Message) get(one("GetSubchannel", "subchannelId", scId), "subchannel");
          for (Object s : (List<?>) get(sc, "socket_ref")) {
            owned.add(new String[] {"subchannel " + scId, String.valueOf(get((Message) s, "socket_id"))});
          }
        }
      }
    }
    String format = "%-9s %-15s %-22s %-22s %7s %9s %6s %8s %8s %10s  %s%n";
    out.printf(format, "SOCKET_ID", "OF", "LOCAL", "REMOTE", "STREAMS", "SUCCEEDED", "FAILED",
        "MSG_SENT", "MSG_RECV", "KEEPALIVES", "SECURITY");
    for (String[] o : owned) {
      Message socket = (Message) get(one("GetSocket", "socketId", o[1]), "socket");
      Message data = (Message) get(socket, "data");
      out.printf(format, o[1], o[0], address((Message) get(socket, "local")),
          address((Message) get(socket, "remote")), get(data, "streams_started"),
          get(data, "streams_succeeded"), get(data, "streams_failed"), get(data, "messages_sent"),
          get(data, "messages_received"), get(data, "keep_alives_sent"), security(socket));
    }
  }

  // ---------------------------------------------------------------- asking

  /** Every page of a list: {@code list} of each answer, asked from the id after the last one. */
  private List<Message> all(String method, String startField, String fixed, String list) {
    List<Message> entries = new ArrayList<>();
    long start = 0;
    while (true) {
      DynamicMessage page = ask(method, "{" + fixed + "\"" + startField + "\": \"" + start + "\"}").get(0);
      long last = -1;
      for (Object o : (List<?>) get(page, list)) {
        Message entry = (Message) o;
        entries.add(entry);
        last = refId(entry);
      }
      if ((Boolean) get(page, "end") || last < 0) {
        return entries;
      }
      start = last + 1;
    }
  }

  /** The id of an entity (its ref's first field) or of a ref. */
  private static long refId(Message entry) {
    FieldDescriptor ref = entry.getDescriptorForType().findFieldByName("ref");
    Message r = ref == null ? entry : (Message) entry.getField(ref);
    return (Long) r.getField(r.getDescriptorForType().getFields().get(0));
  }

  private DynamicMessage one(String method, String idField, Object id) {
    return ask(method, "{\"" + idField + "\": \"" + id + "\"}").get(0);
  }

  private List<DynamicMessage> ask(String name, String request) {
    MethodDescriptor method = service.findMethodByName(name);
    List<DynamicMessage> responses = new ArrayList<>();
    Status status = DynamicCall.run(channel, options, method,
        List.of(json.parse(request, method.getInputType())).iterator(), responses::add, err, verbose);
    if (!status.isOk()) {
      throw status.asException();
    }
    return responses;
  }

  private static long id(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new UsageException("not an id: " + text);
    }
  }

  /** One line per server or channel: id, name, calls started, succeeded, failed, last call. */
  private void table(String kind, List<Message> entities, String dataField) {
    out.printf("%-10s %-32s %-18s %9s %9s %9s  %s%n", kind + "_ID", "NAME", "STATE", "STARTED",
        "SUCCEEDED", "FAILED", "LAST_CALL");
    for (Message entity : entities) {
      Message ref = (Message) get(entity, "ref");
      Message data = (Message) get(entity, dataField);
      Object id = ref.getField(ref.getDescriptorForType().getFields().get(0));
      Object name = ref.getField(ref.getDescriptorForType().getFields().get(1));
      FieldDescriptor stateField = data.getDescriptorForType().findFieldByName("state");
      String state = stateField == null ? "-"
          : String.valueOf(get((Message) data.getField(stateField), "state"));
      out.printf("%-10s %-32s %-18s %9s %9s %9s  %s%n", id, name, state, get(data, "calls_started"),
          get(data, "calls_succeeded"), get(data, "calls_failed"), time((Message) get(data,
              "last_call_started_timestamp")));
    }
  }

  private static Object get(Message message, String field) {
    return message.getField(message.getDescriptorForType().findFieldByName(field));
  }

  private static String state(Message data) {
    return String.valueOf(get((Message) get(data, "state"), "state"));
  }

  /** {@code ip:port}, a Unix socket's path, or the other address's name; "-" for none. */
  static String address(Message address) {
    Message tcp = (Message) get(address, "tcpip_address");
    byte[] ip = ((ByteString) get(tcp, "ip_address")).toByteArray();
    if (ip.length > 0) {
      try {
        String host = InetAddress.getByAddress(ip).getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + get(tcp, "port");
      } catch (UnknownHostException e) {
        return "?";
      }
    }
    String uds = (String) get((Message) get(address, "uds_address"), "filename");
    if (!uds.isEmpty()) {
      return "unix:" + uds;
    }
    String other = (String) get((Message) get(address, "other_address"), "name");
    return other.isEmpty() ? "-" : other;
  }

  /** The TLS cipher suite, or "plaintext". */
  private static String security(Message socket) {
    Message tls = (Message) get((Message) get(socket, "security"), "tls");
    String standard = (String) get(tls, "standard_name");
    String other = (String) get(tls, "other_name");
    return !standard.isEmpty() ? standard : !other.isEmpty() ? other : "plaintext";
  }

  private static String time(Message timestamp) {
    long seconds = (Long) get(timestamp, "seconds");
    int nanos = (Integer) get(timestamp, "nanos");
    return seconds == 0 && nanos == 0 ? "-" : Instant.ofEpochSecond(seconds, nanos).toString();
  }
}
