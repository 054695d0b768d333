package org.nettytls;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.OpenSslX509KeyManagerFactory;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.UnrecoverableKeyException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.internal.TcnContext;
import org.nettytls.error.TlsException;

/** Turns {@link ServerSessions} into settings of a Netty server context. */
final class ServerSessionSetup {
    private ServerSessionSetup() {
    }

    /**
     * The builder for a server with {@code own} as its certificate. TLS 1.2 session tickets need
     * more than a context option: Netty clears {@code SSL_OP_NO_TICKET} on every connection that
     * may speak TLS 1.3 (its own default; {@code jdk.tls.server.enableSessionTicketExtension}), and
     * BoringSSL's option covers TLS 1.3 tickets as well, so without {@link ServerSessions#tickets()}
     * each connection that agreed on TLS 1.2 or older gets the option back from the key manager,
     * which BoringSSL's certificate callback consults after it agreed on the version and before it
     * decides on a ticket (RFC 5077 3.2). TLS 1.3 connections keep their tickets.
     */
    static SslContextBuilder forServer(KeyMaterial own, ServerSessions s) throws GeneralSecurityException {
        if (s.tickets() || s.ticketKeys() != null) {
            return SslContextBuilder.forServer(own.key(), own.chain());
        }
        // What Netty builds for a key and chain (its key manager factory over a key store with an
        // empty password), with the JDK's key manager inside wrapped by the hook.
        char[] password = new char[0];
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot make an in-memory key store: " + e.getMessage(), e);
        }
        store.setKeyEntry("key", own.key(), password, own.chain().toArray(new X509Certificate[0]));
        OpenSslX509KeyManagerFactory keys = new OpenSslX509KeyManagerFactory(HookProvider.ALGORITHM, HookProvider.INSTANCE);
        keys.init(store, password);
        return SslContextBuilder.forServer(keys);
    }

    /** Offers one key manager factory: the JDK's, its key manager wrapped in {@link NoTls12Tickets}. */
    private static final class HookProvider extends Provider {
        static final String ALGORITHM = "NettyTlsNoTls12Tickets";
        static final HookProvider INSTANCE = new HookProvider();
        private static final long serialVersionUID = 1L;

        private HookProvider() {
            super("netty-tls-tickets", "1.0", "netty-tls: no TLS 1.2 session tickets, per connection");
            putService(new Service(this, "KeyManagerFactory", ALGORITHM, NoTls12TicketsFactory.class.getName(), null, null) {
                @Override
                public Object newInstance(Object parameter) {
                    return new NoTls12TicketsFactory();
                }
            });
        }
    }

    private static final class NoTls12TicketsFactory extends KeyManagerFactorySpi {
        private KeyManager[] managers = new KeyManager[0];

        @Override
        protected void engineInit(KeyStore store, char[] password) throws KeyStoreException, NoSuchAlgorithmException,
                UnrecoverableKeyException {
            KeyManagerFactory jdk = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            jdk.init(store, password);
            managers = new KeyManager[] {new NoTls12Tickets((X509ExtendedKeyManager) jdk.getKeyManagers()[0])};
        }

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) throws InvalidAlgorithmParameterException {
            throw new InvalidAlgorithmParameterException("only a key store");
        }

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return managers.clone();
        }
    }

    /** Sets {@code SSL_OP_NO_TICKET} on each connection that agreed on a version below TLS 1.3. */
    private static final class NoTls12Tickets extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        NoTls12Tickets(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            if (engine instanceof ReferenceCountedOpenSslEngine) {
                long ssl = ((ReferenceCountedOpenSslEngine) engine).sslPointer();
                if (ssl != 0 && !"TLSv1.3".equals(SSL.getVersion(ssl))) {
                    SSL.setOptions(ssl, SSL.SSL_OP_NO_TICKET);
                }
            }
            return keys.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return keys.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return keys.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return keys.chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    static void apply(SslContextBuilder b, ServerSessions s) {
        if (s.cacheSize().isPresent()) {
            b.sessionCacheSize(s.cacheSize().getAsInt());
        }
        s.timeout().ifPresent(t -> b.sessionTimeout(Math.max(1, t.getSeconds())));
    }

    /** Settings only the built context takes; returns the bound ticket keys, or {@code null}. */
    static ServerTicketKeys finish(SslContext context, ServerSessions s) throws TlsException {
        OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) context.sessionContext();
        s.idContext().ifPresent(id -> {
            if (!sessions.setSessionIdContext(id)) {
                throw new IllegalStateException("BoringSSL refused the session id context");
            }
        });
        if (!s.honorCipherOrder()) {
            // Netty always sets SSL_OP_CIPHER_SERVER_PREFERENCE and offers no option to clear it;
            // tcnative can, on the context, before any connection exists.
            SSLContext.clearOptions(TcnContext.handle(context, "SSL_honor_cipher_order"), SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
        }
        if (s.ticketKeys() != null) {
            return ServerTicketKeys.bind(context, s.ticketKeys());
        }
        if (s.tickets()) {
            // No keys: BoringSSL makes and rotates its own; this clears Netty's SSL_OP_NO_TICKET.
            sessions.setTicketKeys();
        }
        return null;
    }
}
