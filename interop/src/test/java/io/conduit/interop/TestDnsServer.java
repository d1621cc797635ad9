package io.conduit.interop;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A minimal authoritative DNS server on {@code 127.0.0.1} and an ephemeral UDP port: answers A
 * queries for one name with a fixed list of IPv4 addresses, AAAA queries for it with no records,
 * and everything else with NXDOMAIN. Enough for {@code dns://127.0.0.1:PORT/NAME} targets.
 */
final class TestDnsServer implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel channel;

  private TestDnsServer(String name, List<String> ipv4Addresses) throws InterruptedException {
    String fqdn = name.toLowerCase(Locale.ROOT) + ".";
    byte[][] answers = ipv4Addresses.stream().map(TestDnsServer::ipv4).toArray(byte[][]::new);
    this.channel = new Bootstrap()
        .group(group)
        .channel(NioDatagramChannel.class)
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                new Responder(fqdn, answers));
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .sync()
        .channel();
  }

  /** Serves {@code name} with {@code ipv4Addresses} (literals). */
  static TestDnsServer start(String name, List<String> ipv4Addresses) throws InterruptedException {
    return new TestDnsServer(name, ipv4Addresses);
  }

  /** {@code 127.0.0.1:PORT}, for a target's authority. */
  String address() {
    InetSocketAddress a = (InetSocketAddress) channel.localAddress();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private static byte[] ipv4(String literal) {
    try {
      byte[] bytes = InetAddress.getByName(literal).getAddress();
      if (bytes.length != 4) {
        throw new IllegalArgumentException("not an IPv4 literal: " + literal);
      }
      return bytes;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 literal: " + literal, e);
    }
  }

  private static final class Responder extends SimpleChannelInboundHandler<DatagramDnsQuery> {
    private final String fqdn;
    private final byte[][] answers;

    Responder(String fqdn, byte[][] answers) {
      this.fqdn = fqdn;
      this.answers = answers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
      DatagramDnsResponse response =
          new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
      response.setAuthoritativeAnswer(true).setRecursionDesired(query.isRecursionDesired());
      DnsQuestion question = query.recordAt(DnsSection.QUESTION);
      if (question == null) {
        response.setCode(DnsResponseCode.FORMERR);
        ctx.writeAndFlush(response);
        return;
      }
      response.addRecord(DnsSection.QUESTION,
          new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
      String asked = question.name().toLowerCase(Locale.ROOT);
      if (!asked.endsWith(".")) {
        asked += ".";
      }
      if (!asked.equals(fqdn)) {
        response.setCode(DnsResponseCode.NXDOMAIN);
      } else if (question.type() == DnsRecordType.A) {
        for (byte[] address : answers) {
          response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(
              question.name(), DnsRecordType.A, 0, Unpooled.wrappedBuffer(address)));
        }
      }
      // Other types for the name (AAAA): no records, NOERROR.
      ctx.writeAndFlush(response);
    }
  }
}
