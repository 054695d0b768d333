package org.nettytls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.netty.internal.tcnative.SSLSession;
import io.netty.internal.tcnative.SSLSessionCache;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import org.nettytls.internal.TcnContext;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's TLS session cache that several contexts may share: {@code SSL_session_cache}
 * (made with {@code SSL_session_cache_size}). Sessions are filed under a key, by default the
 * host and port connected to, or any key the caller chooses ({@code SSL_session_key}), so that
 * an FTPS data connection resumes the session of its control connection.
 *
 * <p>It holds BoringSSL sessions (TLS 1.2 sessions and TLS 1.3 tickets, which arrive after the
 * handshake) for at most {@link #maxKeys()} keys, dropping the least recently used key first, as
 * the reference counts "unique host/port pairs". A few sessions are kept per key because servers
 * send several TLS 1.3 tickets and each may be used only once.
 *
 * <p><b>Please note:</b> a resumed session is judged again by netty-tls' trust manager (chain,
 * name, pins, CRLs, every check), so sharing a cache between contexts that trust differently
 * never lets a session pass a check the resuming context would refuse.
 *
 * <p>Thread-safe. {@link #clear()} frees the native sessions; a cache that is dropped without it
 * keeps them until the process ends, so make one per purpose and share it, rather than one per
 * connection.
 */
public final class ClientSessionCache {
    /** The size a client context gets when no cache or size is configured. */
    public static final int DEFAULT_MAX_KEYS = 1024;
    private static final int SESSIONS_PER_KEY = 4;

    private final int maxKeys;
    private final LinkedHashMap<String, Deque<Long>> sessions = new LinkedHashMap<>(16, 0.75f, true);

    private ClientSessionCache(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /**
     * A cache for sessions of at most {@code maxKeys} keys; 0 makes one that keeps nothing.
     *
     * @param maxKeys the number of keys kept ({@code SSL_session_cache_size})
     * @return the cache
     */
    public static ClientSessionCache create(int maxKeys) {
        if (maxKeys < 0) {
            throw new IllegalArgumentException("SSL_session_cache_size must not be negative: " + maxKeys);
        }
        return new ClientSessionCache(maxKeys);
    }

    /**
     * The number of session keys (host and port, or {@code SSL_session_key}) kept before the least recently
     * used is dropped: {@code SSL_session_cache_size}.
     *
     * @return the capacity this cache was made with
     */
    public int maxKeys() {
        return maxKeys;
    }

    /** {@return how many keys have a session now} */
    public synchronized int size() {
        return sessions.size();
    }

    /**
     * Whether a session is kept for {@code key}.
     *
     * @param key a {@code host:port} or {@code SSL_session_key}
     * @return {@code true} when a session is kept
     */
    public synchronized boolean contains(String key) {
        return sessions.containsKey(key);
    }

    /** Forgets every session and frees them. */
    public synchronized void clear() {
        for (Deque<Long> q : sessions.values()) {
            q.forEach(SSLSession::free);
        }
        sessions.clear();
    }

    /**
     * Forgets the sessions of {@code key}, so the next connection under it does a full handshake.
     *
     * @param key a {@code host:port} or {@code SSL_session_key}
     */
    public synchronized void remove(String key) {
        Deque<Long> q = sessions.remove(key);
        if (q != null) {
            q.forEach(SSLSession::free);
        }
    }

    /**
     * Makes this cache the session store of a client context's Netty OpenSSL context: new sessions
     * of its connections land here, under the key given to {@link Binding#prepare(SslHandler, String)}.
     */
    Binding bind(SslContext context) {
        if (!context.isClient()) {
            throw new IllegalArgumentException("a client session cache needs a client context");
        }
        long ctx = TcnContext.handle(context, "a client session cache");
        Binding binding = new Binding();
        // Replaces Netty's own per-context cache: BoringSSL hands every new session (and every
        // TLS 1.3 ticket) to this callback, whose connection we know by its SSL pointer.
        SSLContext.setSSLSessionCache(ctx, binding);
        return binding;
    }

    synchronized void store(String key, long session) {
        if (maxKeys == 0) {
            SSLSession.free(session);
            return;
        }
        Deque<Long> q = sessions.computeIfAbsent(key, k -> new ArrayDeque<>(SESSIONS_PER_KEY));
        q.addFirst(session);
        while (q.size() > SESSIONS_PER_KEY) {
            SSLSession.free(q.removeLast());
        }
        Iterator<Map.Entry<String, Deque<Long>>> eldest = sessions.entrySet().iterator();
        while (sessions.size() > maxKeys && eldest.hasNext()) {
            eldest.next().getValue().forEach(SSLSession::free);
            eldest.remove();
        }
    }

    /** Puts the newest usable session of {@code key} on {@code ssl}; whether one was set. */
    synchronized boolean offer(String key, long ssl) {
        Deque<Long> q = sessions.get(key);
        if (q == null) {
            return false;
        }
        long now = System.currentTimeMillis() / 1000;
        for (Iterator<Long> it = q.iterator(); it.hasNext();) {
            long s = it.next();
            if (SSLSession.getTime(s) + SSLSession.getTimeout(s) < now) {
                it.remove();
                SSLSession.free(s);
                continue;
            }
            // SSL_set_session takes its own reference; ours stays unless the session is single-use.
            boolean set = SSL.setSession(ssl, s);
            if (set && SSLSession.shouldBeSingleUse(s)) {
                it.remove();
                SSLSession.free(s);
            }
            if (q.isEmpty()) {
                sessions.remove(key);
            }
            return set;
        }
        sessions.remove(key);
        return false;
    }

    /**
     * The cache bound to one Netty context: it files that context's new sessions under the key of
     * their connection.
     */
    final class Binding implements SSLSessionCache {
        private static final int PURGE_EVERY = 64;
        private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
        private final AtomicInteger prepared = new AtomicInteger();

        private Binding() {
        }

        ClientSessionCache cache() {
            return ClientSessionCache.this;
        }

        /**
         * Files the connection of {@code handler} under {@code key} and offers it the key's newest
         * session before its handshake starts. Call it right after creating the handler.
         *
         * @return whether a cached session was offered (the server may still refuse it)
         */
        boolean prepare(SslHandler handler, String key) {
            Objects.requireNonNull(key, "key");
            if (!(handler.engine() instanceof ReferenceCountedOpenSslEngine)) {
                return false;
            }
            if (prepared.incrementAndGet() % PURGE_EVERY == 0) {
                purge();
            }
            ReferenceCountedOpenSslEngine engine = (ReferenceCountedOpenSslEngine) handler.engine();
            synchronized (engine) {
                long ssl = engine.sslPointer();
                if (ssl == 0) {
                    return false;
                }
                connections.put(ssl, new Connection(key, engine));
                // Netty leaves TLS 1.2 tickets off on clients; OpenSSL (and so the reference) takes
                // them, and only a ticket lets a client resume at another server of a fleet.
                SSL.clearOptions(ssl, SSL.SSL_OP_NO_TICKET);
                return offer(key, ssl);
            }
        }

        /** Connections whose engine has been freed (or forgotten) need no key any more. */
        private void purge() {
            connections.entrySet().removeIf(e -> e.getValue().gone(e.getKey()));
        }

        /** BoringSSL's new-session callback: returning {@code true} keeps the reference it hands over. */
        @Override
        public boolean sessionCreated(long ssl, long session) {
            Connection c = connections.get(ssl);
            if (c == null) {
                return false;
            }
            store(c.key, session);
            return true;
        }

        /** Servers look sessions up by id; a client never does. */
        @Override
        public long getSession(long ssl, byte[] sessionId) {
            return -1;
        }
    }

    private static final class Connection {
        final String key;
        final WeakReference<ReferenceCountedOpenSslEngine> engine;

        Connection(String key, ReferenceCountedOpenSslEngine engine) {
            this.key = key;
            this.engine = new WeakReference<>(engine);
        }

        boolean gone(long ssl) {
            ReferenceCountedOpenSslEngine e = engine.get();
            return e == null || e.sslPointer() != ssl;
        }
    }
}
