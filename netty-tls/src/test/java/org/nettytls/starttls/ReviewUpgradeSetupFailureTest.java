package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;

/**
 * Review of issue #16: the one install path can fail after {@code StartTlsHandler} already
 * declared the channel TLS (an identity gate whose supplier throws, a staple source that throws).
 * The upgrade must then fail and close the channel, as a failed handshake does: never leave a
 * channel that says TLS while it has no {@code SslHandler}, so that what the application writes
 * next goes out in plaintext, and never leak the engine made before the failure.
 */
class ReviewUpgradeSetupFailureTest {
    private static String drain(EmbeddedChannel ch) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            o.writeBytes(bytes);
        }
        return o.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aGateSupplierThatThrowsFailsTheClientUpgradeAndNothingGoesOutInPlaintext() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Review CA").certificateAuthority(0).build();
        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .addIdentityGate(() -> {
                    throw new IllegalStateException("the gate's resolver is not configured");
                }).build());
        StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
        EmbeddedChannel ch = new EmbeddedChannel(starttls, new ChannelInboundHandlerAdapter());
        try {
            Future<Channel> upgrade;
            try {
                upgrade = starttls.startClient(tls, "localhost", 25);
            } catch (RuntimeException e) {
                upgrade = null;
            }
            // The application, which may write before the handshake ends (identity before data holds it back).
            ch.writeAndFlush(Unpooled.copiedBuffer("AUTH PLAIN c2VjcmV0\r\n", StandardCharsets.US_ASCII));
            ch.runPendingTasks();
            String sent = drain(ch);
            assertFalse(sent.contains("AUTH PLAIN"), "written after the upgrade began, sent in plaintext: " + sent);
            assertTrue(upgrade != null && upgrade.isDone() && !upgrade.isSuccess(), "the upgrade future: " + upgrade);
            assertFalse(ch.isOpen(), "the channel stays open after a failed upgrade");
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aStapleSourceThatThrowsFailsTheServerUpgradeAndNothingGoesOutInPlaintext() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Review CA").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .ocspStaples(cert -> {
                    throw new IllegalStateException("the staple store is down");
                }).build());
        StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
        EmbeddedChannel ch = new EmbeddedChannel(starttls, new ChannelInboundHandlerAdapter());
        try {
            Future<Channel> upgrade;
            try {
                upgrade = starttls.startServer(tls, Unpooled.copiedBuffer("220 go ahead\r\n", StandardCharsets.US_ASCII));
            } catch (RuntimeException e) {
                upgrade = null;
            }
            drain(ch);
            ch.writeAndFlush(Unpooled.copiedBuffer("250 secret\r\n", StandardCharsets.US_ASCII));
            ch.runPendingTasks();
            String sent = drain(ch);
            assertFalse(sent.contains("secret"), "written after the upgrade began, sent in plaintext: " + sent);
            assertTrue(upgrade != null && upgrade.isDone() && !upgrade.isSuccess(), "the upgrade future: " + upgrade);
            assertFalse(ch.isOpen(), "the channel stays open after a failed upgrade");
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
