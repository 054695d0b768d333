package org.nettytls.benchmarks.load;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspMode;

/**
 * The client side of one server of a pair, for {@link LoadClient}: what it adds to a new
 * connection's pipeline to reach {@code localhost} on 127.0.0.1.
 * <ul>
 * <li>{@code plain}: Netty's {@code SslContextBuilder} client with BoringSSL, trusting the
 *     benchmark CA, with Netty's own hostname check ({@code HTTPS} endpoint identification), sending
 *     the name as SNI.
 * <li>{@code netty-tls}: {@link TlsClientContext} trusting the same CA with the hostname checked
 *     under scheme {@code http}, plus the OCSP staple check of {@link OcspClientConfig} (in the
 *     handshake and its {@code OcspStapleHandler}): must-staple for full handshakes, where every
 *     handshake must carry a good staple; try-staple for TLS 1.2 resumptions, which carry none.
 * <li>{@code netty-tls-chain}: {@link TlsClientContext} with the chain checked and nothing else
 *     (scheme {@code none}, no OCSP), and {@code netty-tls-scheme}: the chain and the hostname under
 *     scheme {@code http}, no OCSP: with {@code netty-tls} they price each check of the client.
 * </ul>
 * Full handshakes use TLS 1.3 only, resumptions TLS 1.2 only; both list the groups X25519 and P-256, in that order.
 */
abstract class ClientStack {
    static final String HOST = "localhost";

    abstract SslHandler install(ChannelPipeline pipeline, int port) throws Exception;

    static ClientStack create(String name, Path caFile, boolean resumption) throws Exception {
        switch (name) {
            case "plain": {
                SslContext ssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                        .trustManager(caFile.toFile()).endpointIdentificationAlgorithm("HTTPS")
                        .protocols(resumption ? "TLSv1.2" : "TLSv1.3")
                        .option(OpenSslContextOption.GROUPS, LoadServer.GROUPS).build();
                return new ClientStack() {
                    @Override
                    SslHandler install(ChannelPipeline pipeline, int port) {
                        SslHandler handler = ssl.newHandler(pipeline.channel().alloc(), HOST, port);
                        // Netty sends no SNI for a name without a dot; send it as netty-tls does, so that
                        // both stacks put the same ClientHello on the wire (and SniCertSelector finds it).
                        SSLParameters parameters = handler.engine().getSSLParameters();
                        parameters.setServerNames(List.of(new SNIHostName(HOST)));
                        handler.engine().setSSLParameters(parameters);
                        pipeline.addLast(handler);
                        return handler;
                    }
                };
            }
            case "netty-tls-chain":
            case "netty-tls-scheme": {
                TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caFile(caFile)
                        .verifycnScheme(name.equals("netty-tls-chain") ? "none" : "http").version(resumption ? "TLSv1_2" : "TLSv1_3")
                        .ecdhCurve(String.join(":", LoadServer.GROUPS)).build());
                return new ClientStack() {
                    @Override
                    SslHandler install(ChannelPipeline pipeline, int port) throws Exception {
                        return tls.install(pipeline, HOST, port);
                    }
                };
            }
            case "netty-tls": {
                OcspClientConfig ocsp = OcspClientConfig.builder()
                        .mode(resumption ? OcspMode.TRY_STAPLE : OcspMode.MUST_STAPLE).build();
                TlsClientContext tls = TlsClientContext.create(ocsp.applyTo(TlsClientOptions.builder()
                        .caFile(caFile).verifycnScheme("http").version(resumption ? "TLSv1_2" : "TLSv1_3")
                        .ecdhCurve(String.join(":", LoadServer.GROUPS))).build());
                return new ClientStack() {
                    @Override
                    SslHandler install(ChannelPipeline pipeline, int port) throws Exception {
                        return tls.install(pipeline, HOST, port);
                    }
                };
            }
            default:
                throw new IllegalArgumentException("unknown client stack " + name
                        + " (plain, netty-tls-chain, netty-tls-scheme or netty-tls)");
        }
    }

    /** Whether the finished handshake resumed a session: the same question for both stacks. */
    static boolean resumed(SslHandler handler) {
        if (handler.engine() instanceof ReferenceCountedOpenSslEngine) {
            ReferenceCountedOpenSslEngine engine = (ReferenceCountedOpenSslEngine) handler.engine();
            synchronized (engine) {
                long ssl = engine.sslPointer();
                return ssl != 0 && SSL.isSessionReused(ssl);
            }
        }
        return false;
    }
}
