package org.nettytls.sni;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import org.nettytls.TlsOptions;
import org.nettytls.protocol.internal.CipherList;
import org.nettytls.protocol.internal.ProtocolVersions;

/**
 * BoringSSL with no certificate: where a ClientHello the selector cannot read must be judged and
 * there is no default certificate to judge it with. It reads the bytes as a server with netty-tls's
 * default protocol versions and ciphers would, so a malformed or unusual hello gets BoringSSL's own
 * answer (its alert, or its wait for more bytes); a hello BoringSSL accepts reaches its certificate
 * callback, finds no certificate, and ends with BoringSSL's internal_error. It can complete no
 * handshake. One context for the process, made on first use.
 */
final class HelloJudge {
    private HelloJudge() {
    }

    private static final class Holder {
        static final SslContext CONTEXT = build();
    }

    /** A handler for one connection, with the handshake time left to it. */
    static SslHandler newHandler(ByteBufAllocator alloc, long handshakeTimeoutMillis) {
        SslHandler handler = Holder.CONTEXT.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /** {@link TlsOptions#DEFAULT_HANDSHAKE_TIMEOUT}, the time a judged connection has in all. */
    static long defaultHandshakeTimeoutMillis() {
        return TlsOptions.DEFAULT_HANDSHAKE_TIMEOUT.toMillis();
    }

    private static SslContext build() {
        try {
            List<String> suites = new ArrayList<>(CipherList.defaults().suites());
            suites.addAll(CipherList.TLS13_SUITES);
            return SslContextBuilder.forServer(new KeyManagerFactoryWrapper(NoKeys.INSTANCE))
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols(ProtocolVersions.DEFAULT.jdkNames())
                    .ciphers(suites, IdentityCipherSuiteFilter.INSTANCE)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build BoringSSL's judge of unreadable ClientHellos: " + e.getMessage(), e);
        }
    }

    /** Holds no key: BoringSSL's certificate callback finds none and fails the handshake. */
    private static final class NoKeys extends X509ExtendedKeyManager {
        static final NoKeys INSTANCE = new NoKeys();

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return null;
        }
    }
}
