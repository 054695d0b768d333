package org.nettytls.ocsp;

import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Await;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/** Test clients that check OCSP the way users wire it: options through the config, handler after the SslHandler. */
public final class OcspClients {
    private OcspClients() {
    }

    /** A client context trusting {@code root} with {@code ocsp} applied. */
    public static TlsClientContext context(OcspClientConfig ocsp, HeldCertificate root) throws TlsException {
        return TlsClientContext.create(ocsp.applyTo(TlsClientOptions.builder().caCertificates(root.certificate())).build());
    }

    /** Connects to localhost at {@code port} with the handler installed. */
    public static Side connect(Loopback loop, TlsClientContext tls, OcspClientConfig ocsp, int port) {
        return loop.client(ch -> {
            try {
                tls.install(ch.pipeline(), "localhost", port);
            } catch (TlsException e) {
                throw new IllegalStateException(e);
            }
        }, port);
    }

    /** What the handler recorded under {@link TlsConnectionInfo#OCSP_STATUS}, read on the event loop. */
    public static String status(Side side) throws Exception {
        Channel ch = side.channel;
        return ch.eventLoop().submit(() -> ch.attr(TlsConnectionInfo.OCSP_STATUS).get()).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
    }

    /** What the resolver (package-private) concluded, for tests outside this package. */
    public static final class Resolved {
        public final java.util.List<OcspStatus> statuses;
        public final String hardError;
        public final String softError;

        Resolved(OcspResolver r) {
            this.statuses = r.statuses();
            this.hardError = r.hardError();
            this.softError = r.softError();
        }
    }

    /** Asks the responders about {@code chain} (leaf first, each issuer after it) on {@code loop}. */
    public static Resolved resolve(java.util.List<java.security.cert.X509Certificate> chain, OcspClientConfig config,
                                   io.netty.channel.EventLoop loop) throws Exception {
        return new Resolved(OcspResolver.forChain(chain, config).resolve(loop, io.netty.channel.socket.nio.NioSocketChannel.class)
                .get(20, TimeUnit.SECONDS));
    }
}
