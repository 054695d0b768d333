package org.nettytls.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.nettytls.info.TlsConnectionInfo;

/**
 * The load generator of {@code benchmarks/run-load.sh} for the plain-versus-netty-tls pairs: one
 * JVM on the harness's transport ({@link LoadServer#TRANSPORT}) (so the JIT stays warm from case to case), driven by one command per line on
 * stdin, each answered by one {@code result ...} (or {@code error ...}) line on stdout. The
 * harness measures wall time and the CPU of this process and of the server around each command.
 * <pre>
 *   hs     STACK PORT CONNS SECONDS   full TLS 1.3 handshakes, new connection per request
 *   resume STACK PORT CONNS SECONDS   TLS 1.2 resumptions, new connection per request
 *   bulk   STACK PORT CONNS SECONDS   16 KiB records from /stream on CONNS connections
 *   idle   STACK PORT COUNT SECONDS   opens up to COUNT connections within SECONDS and keeps them
 *                                     ({@code close} closes them)
 *   probe  STACK PORT                 one TLS 1.3 connection: what was negotiated
 * </pre>
 * STACK is {@code plain}, {@code netty-tls-chain}, {@code netty-tls-scheme} or {@code netty-tls} ({@link ClientStack}). Arguments: the CA file and the
 * number of event loops. End of input stops the client.
 */
public final class LoadClient {
    private LoadClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LoadClient CA_FILE EVENT_LOOPS");
            System.exit(2);
        }
        Path ca = Path.of(args[0]);
        EventLoopGroup group = LoadServer.TRANSPORT.newGroup(Integer.parseInt(args[1]));
        Map<String, ClientStack> stacks = new HashMap<>();
        IdleCase idle = null;
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] w = line.trim().split("\\s+");
            String answer;
            try {
                boolean resumption = w[0].equals("resume");
                ClientStack stack = w.length > 1 ? stacks.computeIfAbsent(w[1] + resumption, k -> {
                    try {
                        return ClientStack.create(w[1], ca, resumption);
                    } catch (Exception e) {
                        throw new IllegalArgumentException(e.toString(), e);
                    }
                }) : null;
                int port = w.length > 2 ? Integer.parseInt(w[2]) : 0;
                switch (w[0]) {
                    case "hs":
                    case "resume":
                        answer = HandshakeCase.run(group, stack, port, Integer.parseInt(w[3]),
                                Duration.ofSeconds(Long.parseLong(w[4])), resumption);
                        break;
                    case "bulk":
                        answer = BulkCase.run(group, stack, port, Integer.parseInt(w[3]), Duration.ofSeconds(Long.parseLong(w[4])));
                        break;
                    case "idle":
                        idle = IdleCase.open(group, stack, port, Integer.parseInt(w[3]), Duration.ofSeconds(Long.parseLong(w[4])));
                        answer = idle.report();
                        break;
                    case "close":
                        if (idle != null) {
                            idle.close();
                            idle = null;
                        }
                        answer = "closed";
                        break;
                    case "probe":
                        answer = probe(group, stack, port);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown command " + w[0]);
                }
                System.out.println("result " + answer);
            } catch (Exception e) {
                System.out.println("error " + e);
            }
            System.out.flush();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** What one connection negotiated, as the client saw it, and its OCSP verdict if the stack checks one. */
    private static String probe(EventLoopGroup group, ClientStack stack, int port) throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        var bootstrap = Requests.bootstrap(group, stack, port, (ch, ssl) -> new Requests.Sender(Requests.CLOSE) {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof SslHandshakeCompletionEvent) {
                    SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
                    if (!e.isSuccess()) {
                        seen.complete("handshake_failed=" + String.valueOf(e.cause()).replace(' ', '_'));
                    } else {
                        TlsConnectionInfo info = TlsConnectionInfo.of(ssl);
                        String ocsp = ctx.channel().attr(TlsConnectionInfo.OCSP_STATUS).get();
                        seen.complete("protocol=" + info.sslVersion() + " cipher=" + info.cipher()
                                + " group=" + info.keyExchangeGroup() + " server_key=" + info.peerCertificate().getPublicKey().getAlgorithm()
                                + " resumed=" + info.sessionReused().orElse(false)
                                + " ocsp=" + (ocsp == null ? "not_checked" : ocsp.replace(' ', '_')));
                    }
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                seen.complete("failed=" + String.valueOf(cause).replace(' ', '_'));
                ctx.close();
            }
        });
        var ch = bootstrap.connect().sync().channel();
        try {
            return seen.get(10, TimeUnit.SECONDS);
        } finally {
            ch.close();
        }
    }
}
