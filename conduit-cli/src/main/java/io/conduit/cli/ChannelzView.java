package io.conduit.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Status;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code conduit channelz}: the server's {@code grpc.channelz.v1.Channelz}, asked with the same
 * dynamic calls as {@code conduit call} (its schema from reflection or {@code --protoset}).
 * Without an id it prints tables of servers and channels; with one, that entity as JSON.
 */
final class ChannelzView {
  private static final String SERVICE = "grpc.channelz.v1.Channelz";

  private ChannelzView() {}

  static int show(DescriptorSource source, CallFactory channel, CallOptions options, List<String> rest,
      PrintStream out, PrintStream err, boolean verbose) {
    try (source) {
      FileDescriptor file = source.fileContainingSymbol(SERVICE);
      if (file == null) {
        throw new UsageException("the server has no " + SERVICE);
      }
      var service = file.findServiceByName("Channelz");
      String what = rest.isEmpty() ? "all" : rest.get(0);
      JsonMessages json = new JsonMessages(file);
      switch (what) {
        case "all", "servers", "channels" -> {
          if (!what.equals("channels")) {
            List<DynamicMessage> page = ask(channel, options, service.findMethodByName("GetServers"),
                "{}", json, err, verbose);
            table(out, "SERVER", page.get(0), "server", "data");
          }
          if (!what.equals("servers")) {
            List<DynamicMessage> page = ask(channel, options, service.findMethodByName("GetTopChannels"),
                "{}", json, err, verbose);
            table(out, "CHANNEL", page.get(0), "channel", "data");
          }
        }
        case "server", "channel", "socket", "subchannel" -> {
          if (rest.size() != 2) {
            throw new UsageException("channelz " + what + " wants an id");
          }
          String method = "Get" + Character.toUpperCase(what.charAt(0)) + what.substring(1);
          String request = "{\"" + what + "Id\": \"" + id(rest.get(1)) + "\"}";
          for (DynamicMessage m : ask(channel, options, service.findMethodByName(method), request,
              json, err, verbose)) {
            out.println(json.print(m));
          }
        }
        default -> throw new UsageException("channelz wants servers, channels, or server|channel|"
            + "socket|subchannel ID, not " + what);
      }
      return 0;
    }
  }

  private static long id(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new UsageException("not an id: " + text);
    }
  }

  private static List<DynamicMessage> ask(CallFactory channel, CallOptions options, MethodDescriptor method,
      String request, JsonMessages json, PrintStream err, boolean verbose) {
    List<DynamicMessage> responses = new ArrayList<>();
    Status status = DynamicCall.run(channel, options, method,
        List.of(json.parse(request, method.getInputType())).iterator(), responses::add, err, verbose);
    if (!status.isOk()) {
      throw status.asException();
    }
    return responses;
  }

  /** One line per server or channel: id, name, calls started, succeeded, failed, last call. */
  private static void table(PrintStream out, String kind, DynamicMessage page, String list, String dataField) {
    out.printf("%-10s %-32s %-18s %9s %9s %9s  %s%n", kind + "_ID", "NAME", "STATE", "STARTED",
        "SUCCEEDED", "FAILED", "LAST_CALL");
    for (Object o : (List<?>) page.getField(page.getDescriptorForType().findFieldByName(list))) {
      Message entity = (Message) o;
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

  private static String time(Message timestamp) {
    long seconds = (Long) get(timestamp, "seconds");
    int nanos = (Integer) get(timestamp, "nanos");
    return seconds == 0 && nanos == 0 ? "-" : Instant.ofEpochSecond(seconds, nanos).toString();
  }
}
