package org.nettytls.sni;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.KeyMaterial;

/**
 * Mints server certificates on the fly for an intercepting proxy, signed by the proxy's CA:
 * IO::Socket::SSL::Intercept. As an {@link SniLookup} it mints for the name the client asked
 * for; {@link #cloneOf} copies an upstream certificate's subject, names and validity instead
 * (Intercept's {@code clone_cert}). Minted contexts are cached (bounded, least recently used out),
 * every certificate gets a serial number no other from this minter has, and all share one key,
 * as Intercept's do, so minting costs one signature. Minting runs on the given executor, never
 * on an event loop. Thread-safe.
 *
 * <p><strong>Please note: only clients that trust the proxy CA accept these certificates; keep its
 * key as safe as any CA key.</strong>
 */
public final class SniMinter implements SniLookup {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HeldCertificate ca;
    private final KeyPair leafKey;
    private final Executor executor;
    private final java.util.function.UnaryOperator<TlsServerOptions.Builder> options;
    private final int maxCached;
    private final Duration validity;
    private final BigInteger serialBase = new BigInteger(62, RANDOM).setBit(61).shiftLeft(64);
    private final AtomicLong serials = new AtomicLong();
    private final Map<String, CompletableFuture<TlsServerContext>> cache;

    private SniMinter(Builder b) throws TlsException {
        this.ca = b.ca;
        this.executor = b.executor;
        this.options = b.options;
        this.maxCached = b.maxCached;
        this.validity = b.validity;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            this.leafKey = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make the key of minted certificates: " + e, e);
        }
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<TlsServerContext>> eldest) {
                return size() > maxCached;
            }
        };
    }

    /**
     * A builder whose certificates are signed by {@code proxyCa}.
     *
     * @param proxyCa a CA certificate with its key, trusted by the clients of the proxy
     * @return a new builder
     */
    public static Builder builder(HeldCertificate proxyCa) {
        return new Builder(proxyCa);
    }

    /** A context for {@code serverName}, minted or cached; none for a client that sent no name. */
    @Override
    public CompletionStage<TlsServerContext> lookup(String serverName) {
        if (serverName == null) {
            return CompletableFuture.completedFuture(null);
        }
        return cached("name:" + serverName, () -> mint(serverName));
    }

    /**
     * A context whose certificate copies {@code upstream}'s subject, names and validity, minted or cached.
     *
     * @param upstream the upstream server's certificate
     * @return completes with the context
     */
    public CompletionStage<TlsServerContext> cloneOf(X509Certificate upstream) {
        String key;
        try {
            key = "clone:" + Fingerprint.of(upstream);
        } catch (TlsException e) {
            return CompletableFuture.failedFuture(e);
        }
        return cached(key, () -> clone(upstream));
    }

    /** {@return how many contexts the cache holds now} */
    public int cachedCount() {
        synchronized (cache) {
            return cache.size();
        }
    }

    private interface Mint {
        KeyMaterial make() throws TlsException;
    }

    private CompletionStage<TlsServerContext> cached(String key, Mint mint) {
        CompletableFuture<TlsServerContext> f;
        synchronized (cache) {
            f = cache.get(key);
            if (f != null) {
                return f;
            }
            f = new CompletableFuture<>();
            cache.put(key, f);
        }
        CompletableFuture<TlsServerContext> result = f;
        try {
            executor.execute(() -> {
                try {
                    result.complete(TlsServerContext.create(options.apply(TlsServerOptions.builder().certificate(mint.make())).build()));
                } catch (TlsException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        // A failure is not kept: the next client for the name tries again.
        result.whenComplete((c, e) -> {
            if (e != null) {
                synchronized (cache) {
                    cache.remove(key, result);
                }
            }
        });
        return result;
    }

    /**
     * Mints a certificate for {@code name} now, on this thread.
     *
     * @param name a host name
     * @return the certificate and key
     * @throws TlsException ({@code BAD_CONFIGURATION}) for a name that is not a valid host name, or
     *     when signing fails
     */
    public KeyMaterial mint(String name) throws TlsException {
        String canonical = ServerNames.canonical(name, false);
        if (canonical == null) {
            throw TlsException.badConfiguration("server name", "'" + name + "' is no host name to mint a certificate for");
        }
        return HeldCertificate.builder().commonName(canonical).dns(canonical).keyPair(leafKey)
                .serialNumber(nextSerial()).days((int) Math.max(1, validity.toDays())).signedBy(ca).build().keyMaterial();
    }

    /**
     * Mints a copy of {@code upstream} now, on this thread: its subject, DNS and IP names and validity.
     *
     * @param upstream the upstream server's certificate
     * @return the certificate and key
     * @throws TlsException ({@code BAD_INPUT}) for an upstream certificate that cannot be copied
     */
    public KeyMaterial clone(X509Certificate upstream) throws TlsException {
        HeldCertificate.Builder b = HeldCertificate.builder()
                .subject(upstream.getSubjectX500Principal())
                .keyPair(leafKey).serialNumber(nextSerial())
                .validity(upstream.getNotBefore().toInstant(), upstream.getNotAfter().toInstant()).signedBy(ca);
        try {
            Collection<List<?>> names = upstream.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    int type = (Integer) n.get(0);
                    if (type == 2) {
                        b.dns((String) n.get(1));
                    } else if (type == 7) {
                        b.ip((String) n.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new TlsException(TlsErrorCode.BAD_INPUT, "cannot read the names of the upstream certificate '"
                    + upstream.getSubjectX500Principal().getName() + "': " + e.getMessage(), e);
        }
        return b.build().keyMaterial();
    }

    private BigInteger nextSerial() {
        return serialBase.add(BigInteger.valueOf(serials.incrementAndGet()));
    }

    /** Builds a {@link SniMinter} that signs certificates with its proxy CA. */
    public static final class Builder {
        private final HeldCertificate ca;
        private Executor executor = ForkJoinPool.commonPool();
        private java.util.function.UnaryOperator<TlsServerOptions.Builder> options = java.util.function.UnaryOperator.identity();
        private int maxCached = 1000;
        private Duration validity = Duration.ofDays(30);

        private Builder(HeldCertificate ca) {
            this.ca = Objects.requireNonNull(ca, "proxyCa");
        }

        /**
         * Where minting runs; the common fork-join pool unless set.
         *
         * @param minting the executor
         * @return this builder
         */
        public Builder executor(Executor minting) {
            this.executor = Objects.requireNonNull(minting, "minting");
            return this;
        }

        /**
         * The settings of minted contexts (ALPN, versions, ...), applied to a builder that holds
         * the minted certificate; by default {@link TlsServerOptions}' defaults.
         *
         * @param settings changes the builder of each minted context
         * @return this builder
         */
        public Builder options(java.util.function.UnaryOperator<TlsServerOptions.Builder> settings) {
            this.options = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * At most this many contexts are cached (default 1000); the least recently used go first.
         *
         * @param entries the most contexts cached
         * @return this builder
         */
        public Builder maxCached(int entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("maxCached must be at least 1: " + entries);
            }
            this.maxCached = entries;
            return this;
        }

        /**
         * How long certificates minted for a name are valid (whole days, at least one; default 30).
         *
         * @param duration the validity
         * @return this builder
         */
        public Builder validity(Duration duration) {
            if (duration.toDays() < 1) {
                throw new IllegalArgumentException("validity must be at least one day: " + duration);
            }
            this.validity = duration;
            return this;
        }

        /**
         * The minter.
         *
         * @return the minter
         * @throws TlsException ({@code BAD_CONFIGURATION}) when the settings cannot make a server
         *     context
         */
        public SniMinter build() throws TlsException {
            if (ca.certificate().getBasicConstraints() < 0) {
                throw TlsException.badConfiguration("proxy_cert", "'" + ca.certificate().getSubjectX500Principal().getName()
                        + "' is not a CA certificate");
            }
            return new SniMinter(this);
        }
    }
}
