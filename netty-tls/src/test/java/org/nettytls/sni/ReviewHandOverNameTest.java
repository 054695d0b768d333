package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsException;
import org.nettytls.VerifyMode;
import org.nettytls.info.TlsConnectionInfo;

/**
 * Review of issue #17: the selector hands a hello it "need not read" to the default certificate's
 * SslHandler, but BoringSSL discards some records before a ClientHello (warning alerts, empty
 * records) and then reads the hello, server_name included. The connection then completes on the
 * default context while BoringSSL (and so {@link TlsConnectionInfo#servername()}, the reference's
 * {@code get_servername}) names the server the client asked for: a per-name setting (here a
 * required client certificate) is skipped for a connection that says it is for that name.
 */
class ReviewHandOverNameTest {
    /** A TLS 1.x record: warning (1) user_canceled (90), which BoringSSL skips before the hello. */
    private static final byte[] WARNING_ALERT = {0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x5a};
    /** An empty handshake record. */
    private static final byte[] EMPTY_HANDSHAKE = {0x16, 0x03, 0x01, 0x00, 0x00};

    /**
     * alert: one warning alert before the hello; alert4: four (BoringSSL skips up to four in a
     * row); interleaved: the hello in two records with a warning alert between them; split44:
     * four alerts before each half. The rest are shapes BoringSSL refuses itself (controls).
     */
    @ParameterizedTest
    @ValueSource(strings = {"alert", "empty", "alert4", "alert5", "ccs", "emptyapp", "interleaved", "closenotify", "split44", "split05"})
    void aRecordBoringSslSkipsDoesNotMoveTheHandshakeToTheDefaultContextUnderTheRequestedName(String prefix) throws Exception {
        SniMapping mapping = SniMapping.builder()
                // a.test insists on a client certificate; the default does not.
                .add("a.test", SniPki.options(SniPki.A_EC).verifyMode(VerifyMode.REQUIRE)
                        .clientCaCertificates(SniPki.CA.certificate()).caCertificates(SniPki.CA.certificate()).build())
                .add(SniMapping.DEFAULT, SniPki.options(SniPki.DEFAULT_RSA).build())
                .build();
        Result r = handshake(mapping, "a.test", prefix);
        // Either the selector reads the name (and a.test's context refuses a client without a
        // certificate), or the handshake that completes must not claim to be for a.test.
        if (r.serverInfo != null) {
            assertFalse("a.test".equalsIgnoreCase(r.serverInfo.servername()),
                    "the handshake completed on the default certificate (" + subject(r.serverInfo) + ") without the client"
                            + " certificate a.test requires, yet the server's connection info says the client asked for '"
                            + r.serverInfo.servername() + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none"})
    void controlWithoutThePrefixTheNamedContextJudges(String prefix) throws Exception {
        SniMapping mapping = SniMapping.builder()
                .add("a.test", SniPki.options(SniPki.A_EC).verifyMode(VerifyMode.REQUIRE)
                        .clientCaCertificates(SniPki.CA.certificate()).caCertificates(SniPki.CA.certificate()).build())
                .add(SniMapping.DEFAULT, SniPki.options(SniPki.DEFAULT_RSA).build())
                .build();
        Result r = handshake(mapping, "a.test", prefix);
        assertEquals(null, r.serverInfo, "a.test's context refuses a client without a certificate");
        assertNotNull(r.serverFailure);
    }

    /** The bound of the fix: warning alerts are skipped, but not without limit (each run below BoringSSL's four). */
    @org.junit.jupiter.api.Test
    void warningAlertsAreSkippedButBounded() {
        // A ClientHello of 256 bytes announced one byte per record, three warning alerts before each record.
        byte[] bytes = {0x01, 0x00, 0x01, 0x00, 0x03, 0x03};
        java.io.ByteArrayOutputStream w = new java.io.ByteArrayOutputStream();
        for (byte b : bytes) {
            for (int a = 0; a < 3; a++) {
                w.writeBytes(WARNING_ALERT);
            }
            w.writeBytes(new byte[] {0x16, 0x03, 0x01, 0x00, 0x01, b});
        }
        ClientHelloReader reader = new ClientHelloReader(16384);
        ByteBuf in = Unpooled.wrappedBuffer(w.toByteArray());
        try {
            ClientHelloReader.Result r = reader.read(in, io.netty.buffer.ByteBufAllocator.DEFAULT);
            assertEquals(ClientHelloReader.Kind.TOO_LARGE, r.kind, r.problem);
            assertTrue(r.problem.contains("warning alerts"), r.problem);
        } finally {
            reader.release();
            in.release();
        }
    }

    private static String subject(TlsConnectionInfo info) {
        List<X509Certificate> own = info.localCertificates();
        return own.isEmpty() ? "?" : own.get(0).getSubjectX500Principal().getName();
    }

    static final class Result {
        TlsConnectionInfo serverInfo;
        Throwable serverFailure;
    }

    static byte[] cat(byte[]... parts) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** The client's first flight, reshaped for {@code prefix}. */
    static ByteBuf shape(String prefix, ByteBuf flight) {
        byte[] f = new byte[flight.readableBytes()];
        flight.readBytes(f);
        flight.release();
        byte[] alert = WARNING_ALERT;
        switch (prefix) {
            case "none":
                return Unpooled.wrappedBuffer(f);
            case "alert":
                return Unpooled.wrappedBuffer(cat(alert, f));
            case "alert4":
                return Unpooled.wrappedBuffer(cat(alert, alert, alert, alert, f));
            case "alert5":
                return Unpooled.wrappedBuffer(cat(alert, alert, alert, alert, alert, f));
            case "empty":
                return Unpooled.wrappedBuffer(cat(EMPTY_HANDSHAKE, f));
            case "ccs":
                return Unpooled.wrappedBuffer(cat(new byte[] {0x14, 0x03, 0x01, 0x00, 0x01, 0x01}, f));
            case "emptyapp":
                return Unpooled.wrappedBuffer(cat(new byte[] {0x17, 0x03, 0x01, 0x00, 0x00}, f));
            case "closenotify":
                return Unpooled.wrappedBuffer(cat(new byte[] {0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00}, f));
            case "split44":
            case "split05":
            case "interleaved": {
                // The hello's record split in two, a warning alert between the halves.
                int len = ((f[3] & 0xff) << 8) | (f[4] & 0xff);
                int half = len / 2;
                byte[] r1 = new byte[5 + half];
                byte[] r2 = new byte[5 + len - half];
                System.arraycopy(f, 0, r1, 0, 5);
                r1[3] = (byte) (half >> 8);
                r1[4] = (byte) half;
                System.arraycopy(f, 5, r1, 5, half);
                System.arraycopy(f, 0, r2, 0, 5);
                r2[3] = (byte) ((len - half) >> 8);
                r2[4] = (byte) (len - half);
                System.arraycopy(f, 5 + half, r2, 5, len - half);
                byte[] rest = java.util.Arrays.copyOfRange(f, 5 + len, f.length);
                byte[] a4 = cat(alert, alert, alert, alert);
                switch (prefix) {
                    case "split44":
                        return Unpooled.wrappedBuffer(cat(a4, r1, a4, r2, rest));
                    case "split05":
                        return Unpooled.wrappedBuffer(cat(r1, a4, alert, r2, rest));
                    default:
                        return Unpooled.wrappedBuffer(cat(r1, alert, r2, rest));
                }
            }
            default:
                throw new IllegalArgumentException(prefix);
        }
    }

    static Result handshake(SniMapping mapping, String sni, String prefix) throws Exception {
        Result result = new Result();
        SslContext clientContext = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null).build();
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel server = new EmbeddedChannel();
        try {
            SslHandler clientSsl = clientContext.newHandler(client.alloc(), sni, 443);
            client.pipeline().addLast(clientSsl);
            SniCertSelector.install(server.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
            server.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof SslHandshakeCompletionEvent) {
                        SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
                        if (e.isSuccess()) {
                            try {
                                result.serverInfo = TlsConnectionInfo.of(ctx.channel());
                            } catch (TlsException ex) {
                                result.serverFailure = ex;
                            }
                        } else {
                            result.serverFailure = e.cause();
                        }
                    }
                    ctx.fireUserEventTriggered(evt);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    if (result.serverFailure == null) {
                        result.serverFailure = cause;
                    }
                }
            });
            client.runPendingTasks();
            boolean first = true;
            for (int round = 0; round < 20; round++) {
                List<ByteBuf> toServer = drain(client);
                ByteBuf c2s = Unpooled.wrappedBuffer(toServer.toArray(new ByteBuf[0]));
                if (first && c2s.isReadable()) {
                    c2s = shape(prefix, c2s);
                    first = false;
                }
                if (c2s.isReadable() && server.isOpen()) {
                    server.writeInbound(c2s);
                } else {
                    c2s.release();
                }
                server.runPendingTasks();
                List<ByteBuf> toClient = drain(server);
                ByteBuf s2c = Unpooled.wrappedBuffer(toClient.toArray(new ByteBuf[0]));
                if (s2c.isReadable() && client.isOpen()) {
                    try {
                        client.writeInbound(s2c);
                    } catch (Exception ignored) {
                        // The client's own failure is not what is judged.
                    }
                } else {
                    s2c.release();
                }
                client.runPendingTasks();
                if (toServer.isEmpty() && toClient.isEmpty()) {
                    break;
                }
            }
            return result;
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    private static List<ByteBuf> drain(EmbeddedChannel ch) {
        List<ByteBuf> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.add((ByteBuf) o);
        }
        return out;
    }
}
