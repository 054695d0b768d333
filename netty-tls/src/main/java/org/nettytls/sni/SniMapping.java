package org.nettytls.sni;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.KeyMaterial;

/**
 * Server names mapped to server contexts, each with its own {@link TlsServerOptions} (certificate,
 * cipher list, versions, ALPN, client-certificate mode and client CA list): the reference's
 * {@code SSL_cert_file => { 'foo.example.org' => ..., 'foo.example.org%ecc' => ..., '' => default }}.
 * Immutable and thread-safe; {@link SniReloader} swaps whole mappings for hot reloads.
 *
 * <pre>{@code
 * SniMapping mapping = SniMapping.builder()
 *         .add("a.example.org", TlsServerOptions.builder().certificateFile(aRsa, aRsaKey).build())
 *         .addCertificate("a.example.org", CertificateLoader.keyMaterial(aEc, aEcKey, null))   // a.example.org%ecc
 *         .add("*.example.org", TlsServerOptions.builder().certificateFile(wild, wildKey)
 *                 .verifyMode(VerifyMode.REQUIRE).caFile(clientCa).build())
 *         .add(SniMapping.DEFAULT, TlsServerOptions.builder().certificateFile(other, otherKey).build())
 *         .build();
 * }</pre>
 *
 * <p>Matching: names compare case-insensitively, without a trailing dot, IDN names by their
 * A-labels; an exact name beats a wildcard; {@code *.example.org} covers exactly one label
 * ({@code a.example.org}, not {@code example.org} nor {@code a.b.example.org}); the default
 * ({@code ""}) takes clients that sent no name or a name nothing else matches. Without a
 * default such clients get no certificate.
 */
public final class SniMapping implements SniLookup {
    /** The name of the default entry, as in the reference. */
    public static final String DEFAULT = "";

    private final Map<String, TlsServerContext> contexts;

    private SniMapping(Map<String, TlsServerContext> contexts) {
        this.contexts = Collections.unmodifiableMap(contexts);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A mapping with no names: every client gets {@code unrecognized_name}. For a server that
     * waits for its first certificates (from ACME, say) and reloads when they come; a
     * {@link Builder} with no names refuses to build, as that is usually a mistake.
     */
    public static SniMapping empty() {
        return new SniMapping(new LinkedHashMap<>());
    }

    /** A matched entry: the name it was configured under and its context. */
    public static final class Entry {
        private final String name;
        private final TlsServerContext context;

        Entry(String name, TlsServerContext context) {
            this.name = name;
            this.context = context;
        }

        /** The configured name that matched: exact, {@code *.}wildcard, or {@link #DEFAULT}. */
        public String name() {
            return name;
        }

        public TlsServerContext context() {
            return context;
        }

        @Override
        public String toString() {
            return name.isEmpty() ? "default" : name;
        }
    }

    /**
     * The entry for a name as a client sent it (any case, trailing dot, Unicode or A-labels), or
     * {@code null} for no name; {@code null} when nothing matches and there is no default.
     */
    public Entry find(String serverName) {
        String name = ServerNames.canonical(serverName, false);
        if (name != null) {
            TlsServerContext exact = contexts.get(name);
            if (exact != null) {
                return new Entry(name, exact);
            }
            String wildcard = ServerNames.wildcardFor(name);
            TlsServerContext wild = wildcard == null ? null : contexts.get(wildcard);
            if (wild != null) {
                return new Entry(wildcard, wild);
            }
        }
        TlsServerContext fallback = contexts.get(DEFAULT);
        return fallback == null ? null : new Entry(DEFAULT, fallback);
    }

    @Override
    public CompletionStage<TlsServerContext> lookup(String serverName) {
        Entry e = find(serverName);
        return CompletableFuture.completedFuture(e == null ? null : e.context());
    }

    /** The configured names in canonical form, {@link #DEFAULT} included when there is one. */
    public List<String> names() {
        return List.copyOf(contexts.keySet());
    }

    /** The context configured under exactly {@code name} (canonical form), or {@code null}. */
    public TlsServerContext context(String name) {
        return contexts.get(name);
    }

    @Override
    public String toString() {
        List<String> shown = new ArrayList<>();
        for (String n : contexts.keySet()) {
            shown.add(n.isEmpty() ? "(default)" : n);
        }
        return "SniMapping" + shown;
    }

    public static final class Builder {
        private final Map<String, TlsServerOptions> options = new LinkedHashMap<>();
        private final Map<String, TlsServerContext> built = new LinkedHashMap<>();
        private final Map<String, List<KeyMaterial>> additional = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Serves {@code name} (exact, {@code *.}wildcard, or {@link #DEFAULT}) with {@code options}.
         *
         * @throws IllegalArgumentException when the name is no host name or is given twice
         */
        public Builder add(String name, TlsServerOptions serverOptions) {
            String key = key(name);
            options.put(key, Objects.requireNonNull(serverOptions, "serverOptions"));
            return this;
        }

        /** Serves {@code name} with a context built elsewhere (its additional certificates included). */
        public Builder add(String name, TlsServerContext context) {
            String key = key(name);
            built.put(key, Objects.requireNonNull(context, "context"));
            return this;
        }

        /**
         * The reference's {@code 'name%ecc'}: another certificate for {@code name}, of a key type
         * the name has not got yet. BoringSSL gives it to the clients that can verify it (by their
         * signature algorithms in TLS 1.3, their cipher suites in TLS 1.2) and the name's own
         * certificate to the others.
         */
        public Builder addCertificate(String name, KeyMaterial material) {
            String key = canonicalKey(name);
            additional.computeIfAbsent(key, k -> new ArrayList<>()).add(Objects.requireNonNull(material, "material"));
            return this;
        }

        /** Whether no name has been added yet ({@link #build()} refuses that; {@link SniMapping#empty()} is the explicit way). */
        public boolean isEmpty() {
            return options.isEmpty() && built.isEmpty();
        }

        /** Builds every context; a bad certificate or option fails here, naming the server name. */
        public SniMapping build() throws TlsException {
            for (String name : additional.keySet()) {
                if (!options.containsKey(name)) {
                    throw TlsException.badConfiguration("SSL_cert_file", "'" + name + "%...' gives an additional certificate"
                            + " but '" + name + "' has " + (built.containsKey(name) ? "a prebuilt context" : "no entry"));
                }
            }
            Map<String, TlsServerContext> contexts = new LinkedHashMap<>(built);
            for (Map.Entry<String, TlsServerOptions> e : options.entrySet()) {
                try {
                    contexts.put(e.getKey(), TlsServerContext.create(e.getValue(),
                            additional.getOrDefault(e.getKey(), List.of())));
                } catch (TlsException ex) {
                    throw new TlsException(ex.code(), "server name '" + e.getKey() + "': " + ex.getMessage(), ex);
                }
            }
            if (contexts.isEmpty()) {
                throw TlsException.badConfiguration("SSL_cert_file", "the SNI mapping has no names");
            }
            return new SniMapping(contexts);
        }

        private String key(String name) {
            String key = canonicalKey(name);
            if (options.containsKey(key) || built.containsKey(key)) {
                throw new IllegalArgumentException("server name '" + name + "' is given twice");
            }
            return key;
        }

        private static String canonicalKey(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                return DEFAULT;
            }
            String key = ServerNames.canonical(name, true);
            if (key == null) {
                throw new IllegalArgumentException("'" + name + "' is not a host name (nor '*.' and one, nor '' for the default)");
            }
            return key;
        }
    }
}
