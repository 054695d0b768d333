package org.nettytls.ocsp;

import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.info.TlsConnectionInfo;
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
}
