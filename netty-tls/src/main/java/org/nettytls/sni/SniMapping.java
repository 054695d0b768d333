package org.nettytls.sni;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;

/**
 * Server names mapped to server contexts, each with its own {@link TlsServerOptions} (certificate,
 * cipher list, versions, ALPN, client-certificate mode and client CA list): the reference's
 * {@code SSL_cert_file => { 'foo.example.org' => ..., 'foo.example.org%ecc' => ..., '' => default }}.
 * Immutable and thread-safe; {@link SniReloader} swaps whole mappings for hot reloads.
 *
 * <pre>{@code
 * SniMapping mapping = SniMapping.builder()
 *         .add("a.example.org", TlsServerOptions.builder().certificateFile(aRsa, aRsaKey)
 *                 .addCertificate(CertificateLoader.keyMaterial(aEc, aEcKey, null)).build())   // a.example.org%ecc
 *         .add("*.example.org", TlsServerOptions.builder().certificateFile(wild, wildKey)
 *                 .verifyMode(VerifyMode.REQUIRE).caFile(clientCa).build())
 *         .addDefault(TlsServerOptions.builder().certificateFile(other, otherKey).build())   // ''
 *         .build();
 * }</pre>
 *
 * <p>Matching: names compare case-insensitively, without a trailing dot, IDN names by their
 * A-labels; an exact name beats a wildcard; {@code *.example.org} covers exactly one label
 * ({@code a.example.org}, not {@code example.org} nor {@code a.b.example.org}); the default
 * ({@link Builder#addDefault}, the reference's {@code ''}) takes clients that sent no name or a name nothing else matches. Without a
 * default such clients get no certificate.
 */
public final class SniMapping implements SniLookup {
    /** The key of the default entry, as in the reference ({@code ''}); never a host name. */
    private static final String DEFAULT = "";

    private final Map<String, TlsServerContext> contexts;

    private SniMapping(Map<String, TlsServerContext> contexts) {
        this.contexts = Collections.unmodifiableMap(contexts);
    }

    /**
     * A builder with no names and no default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return a mapping with no names: every client gets {@code unrecognized_name}} For a server that waits for its
     * first certificates (from ACME, say) and reloads when they come; a {@link Builder} with no names refuses to
     * build, as that is usually a mistake.
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

        /** {@return the configured name that matched, exact or {@code *.}wildcard; {@code null} for the default} */
        public String name() {
            return name.isEmpty() ? null : name;
        }

        /** {@return whether the default entry matched: no name was sent, or one nothing else matches} */
        public boolean isDefault() {
            return name.isEmpty();
        }

        /**
         * The server context chosen for this name.
         *
         * @return the context
         */
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
     *
     * @param serverName the name as sent, or {@code null}
     * @return the entry, or {@code null}
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

    /**
     * {@return the configured names in canonical form (exact and {@code *.}wildcard; the default is {@link
     * #defaultContext()})}
     */
    public List<String> names() {
        List<String> names = new ArrayList<>(contexts.keySet());
        names.remove(DEFAULT);
        return List.copyOf(names);
    }

    /**
     * The context configured under exactly {@code name} (canonical form), or {@code null}.
     *
     * @param name a configured name in canonical form
     * @return the context, or {@code null}
     */
    public TlsServerContext context(String name) {
        return name.isEmpty() ? null : contexts.get(name);
    }

    /** {@return the default entry's context ({@link Builder#addDefault}), or {@code null}} */
    public TlsServerContext defaultContext() {
        return contexts.get(DEFAULT);
    }

    @Override
    public String toString() {
        List<String> shown = new ArrayList<>();
        for (String n : contexts.keySet()) {
            shown.add(n.isEmpty() ? "(default)" : n);
        }
        return "SniMapping" + shown;
    }

    /**
     * Builds a {@link SniMapping}: names and wildcards to contexts, with an optional default ({@code
     * SSL_cert_file} given as a hash).
     */
    public static final class Builder {
        private final Map<String, TlsServerOptions> options = new LinkedHashMap<>();
        private final Map<String, TlsServerContext> built = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Serves {@code name} (exact or {@code *.}wildcard) with {@code options}; more than one
         * certificate for the name (RSA and ECDSA, the reference's {@code 'name%ecc'}) go on the
         * options ({@code TlsServerOptions.Builder.addCertificate}).
         *
         * @param name an exact name or {@code *.}wildcard
         * @param serverOptions the options its context is built from
         * @return this builder
         * @throws IllegalArgumentException when the name is no host name or is given twice
         */
        public Builder add(String name, TlsServerOptions serverOptions) {
            String key = key(name);
            options.put(key, Objects.requireNonNull(serverOptions, "serverOptions"));
            return this;
        }

        /**
         * Serves {@code name} with a context built elsewhere.
         *
         * @param name an exact name or {@code *.}wildcard
         * @param context the context
         * @return this builder
         */
        public Builder add(String name, TlsServerContext context) {
            String key = key(name);
            built.put(key, Objects.requireNonNull(context, "context"));
            return this;
        }

        /**
         * Serves clients that sent no name, or a name nothing else matches: the reference's
         * {@code ''} entry. Without a default such clients get no certificate.
         *
         * @param serverOptions the options the default context is built from
         * @return this builder
         */
        public Builder addDefault(TlsServerOptions serverOptions) {
            options.put(defaultKey(), Objects.requireNonNull(serverOptions, "serverOptions"));
            return this;
        }

        /**
         * {@link #addDefault(TlsServerOptions)} with a context built elsewhere.
         *
         * @param context the default context
         * @return this builder
         */
        public Builder addDefault(TlsServerContext context) {
            built.put(defaultKey(), Objects.requireNonNull(context, "context"));
            return this;
        }

        private String defaultKey() {
            if (options.containsKey(DEFAULT) || built.containsKey(DEFAULT)) {
                throw new IllegalArgumentException("the default is given twice");
            }
            return DEFAULT;
        }

        /**
         * {@return whether no name has been added yet ({@link #build()} refuses that; {@link SniMapping#empty()} is
         * the explicit way)}
         */
        public boolean isEmpty() {
            return options.isEmpty() && built.isEmpty();
        }

        /**
         * Builds every context; a bad certificate or option fails here, naming the server name.
         *
         * @return the mapping, immutable
         * @throws TlsException when an entry's server context cannot be built (its code, with the
         *     name in the message)
         */
        public SniMapping build() throws TlsException {
            Map<String, TlsServerContext> contexts = new LinkedHashMap<>(built);
            for (Map.Entry<String, TlsServerOptions> e : options.entrySet()) {
                try {
                    contexts.put(e.getKey(), TlsServerContext.create(e.getValue()));
                } catch (TlsException ex) {
                    throw new TlsException(ex.code(), (e.getKey().isEmpty() ? "the default" : "server name '" + e.getKey() + "'")
                            + ": " + ex.getMessage(), ex);
                }
            }
            if (contexts.isEmpty()) {
                throw TlsException.badConfiguration("SniMapping.add (SSL_cert_file)", "the SNI mapping has no names");
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
                throw new IllegalArgumentException("'' is not a host name: the default entry is addDefault");
            }
            String key = ServerNames.canonical(name, true);
            if (key == null) {
                throw new IllegalArgumentException("'" + name + "' is not a host name (nor '*.' and one)");
            }
            return key;
        }
    }
}
