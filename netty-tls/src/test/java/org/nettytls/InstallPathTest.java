package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.verify.IdentityGate;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * One way to put a client's TLS on a channel: options that carry a check after the handshake
 * (an identity gate) cannot be turned into a bare SslHandler, and both install placements put the
 * same stack on the channel.
 */
class InstallPathTest {
    static HeldCertificate ca;

    /** A gate that never decides: enough to see where it lands. */
    static final class Marker extends IdentityGate {
        @Override
        protected void judge(ChannelHandlerContext ctx, SslHandler ssl) {
        }
    }

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Install CA").certificateAuthority(0).build();
    }

    static TlsClientContext gated() throws TlsException {
        return TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).addIdentityGate(Marker::new).build());
    }

    @Test
    void aBareHandlerIsRefusedWhenTheOptionsCarryAGate() throws Exception {
        TlsException e = assertThrows(TlsException.class, () -> gated().newHandler(ByteBufAllocator.DEFAULT, "localhost", 443));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("install"), e.getMessage());
    }

    @Test
    void installAndInstallBeforeBuildTheSameStack() throws Exception {
        TlsClientContext tls = gated();
        EmbeddedChannel direct = new EmbeddedChannel();
        try {
            tls.install(direct.pipeline(), "localhost", 443);
            assertEquals(List.of("tls", "Marker", "tls-events"), kinds(direct));
        } finally {
            direct.finishAndReleaseAll();
        }
        EmbeddedChannel upgraded = new EmbeddedChannel();
        try {
            upgraded.pipeline().addLast("app", new ChannelInboundHandlerAdapter());
            tls.installBefore(upgraded.pipeline(), "app", "localhost", 443, "localhost:443");
            assertEquals(List.of("tls", "Marker", "tls-events", "app"), kinds(upgraded));
        } finally {
            upgraded.finishAndReleaseAll();
        }
    }

    /** The pipeline's names, with generated names replaced by the handler's class. */
    static List<String> kinds(EmbeddedChannel ch) {
        return ch.pipeline().names().stream().filter(n -> !n.startsWith("DefaultChannelPipeline$TailContext"))
                .map(n -> ch.pipeline().get(n) instanceof Marker ? "Marker" : n).toList();
    }
}
