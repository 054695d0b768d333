package org.nettytls.acme;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsException;

/**
 * What {@link AcmeCertificates} manages, immutable: the ACME server's directory (RFC 8555
 * section 7.1.1), the account's contact, the state directory (account key, certificates), the
 * names with their key types, the challenges to answer, and how the ACME server's own HTTPS
 * certificate is verified (netty-tls's client options: the library verifies its own
 * infrastructure as it verifies anyone).
 *
 * <pre>{@code
 * AcmeOptions options = AcmeOptions.builder(URI.create("https://acme-v02.api.letsencrypt.org/directory"))
 *         .email("hostmaster@example.org").agreeToTermsOfService(true)
 *         .stateDirectory(Path.of("/var/lib/netty-tls-acme"))
 *         .domain("www.example.org", AcmeKeyType.ECDSA_P256, AcmeKeyType.RSA_2048)
 *         .build();
 * }</pre>
 */
public final class AcmeOptions {
    /** The first retry after a failure; each further one waits twice as long, up to {@link #DEFAULT_RETRY_MAX}. */
    public static final Duration DEFAULT_RETRY_FIRST = Duration.ofMinutes(1);
    /** The longest wait between retries after failures. */
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofHours(6);
    /** How long one validation or one order may take before it counts as failed. */
    public static final Duration DEFAULT_VALIDATION_TIMEOUT = Duration.ofMinutes(2);

    private static final Pattern EMAIL = Pattern.compile("[^@\\s:,;<>\"]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+");

    private final URI directory;
    private final List<String> emails;
    private final boolean agreeToTermsOfService;
    private final Path stateDirectory;
    private final Map<String, Set<AcmeKeyType>> domains;
    private final List<AcmeChallengeType> challenges;
    private final TlsClientOptions acmeServerTrust;
    private final Duration retryFirst;
    private final Duration retryMax;
    private final Duration validationTimeout;

    private AcmeOptions(Builder b) throws TlsException {
        this.directory = b.directory;
        String scheme = directory.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme) || directory.getHost() == null) {
            throw TlsException.badConfiguration("acme directory", "'" + directory + "' is not an http(s) URL of an ACME directory");
        }
        for (String e : b.emails) {
            if (!EMAIL.matcher(e).matches()) {
                throw TlsException.badConfiguration("acme email", "'" + e + "' is not an e-mail address (expected"
                        + " local@domain.example, without 'mailto:')");
            }
        }
        this.emails = List.copyOf(b.emails);
        this.agreeToTermsOfService = b.agreeToTermsOfService;
        if (b.stateDirectory == null) {
            throw TlsException.badConfiguration("acme state directory", "is required: the account key and the certificates live there");
        }
        this.stateDirectory = b.stateDirectory;
        if (b.domains.isEmpty()) {
            throw TlsException.badConfiguration("acme domain", "no names to manage");
        }
        Map<String, Set<AcmeKeyType>> d = new LinkedHashMap<>();
        b.domains.forEach((k, v) -> d.put(k, Collections.unmodifiableSet(EnumSet.copyOf(v))));
        this.domains = Collections.unmodifiableMap(d);
        this.challenges = b.challenges.isEmpty() ? List.of(AcmeChallengeType.TLS_ALPN_01) : List.copyOf(b.challenges);
        this.acmeServerTrust = b.acmeServerTrust != null ? b.acmeServerTrust : TlsClientOptions.builder().build();
        if (b.retryFirst.compareTo(b.retryMax) > 0) {
            throw TlsException.badConfiguration("acme retry", "the first retry (" + b.retryFirst + ") is longer than the longest ("
                    + b.retryMax + ")");
        }
        this.retryFirst = b.retryFirst;
        this.retryMax = b.retryMax;
        this.validationTimeout = b.validationTimeout;
    }

    /**
     * A builder for the ACME server whose directory is at {@code directory} (RFC 8555 section 7.1.1).
     *
     * @param directory the directory URL, e.g. Let's Encrypt's {@code
     *     https://acme-v02.api.letsencrypt.org/directory}
     * @return a new builder
     */
    public static Builder builder(URI directory) {
        return new Builder(directory);
    }

    /** {@return the ACME server's directory URL} */
    public URI directory() {
        return directory;
    }

    /** {@return the account's contacts, as e-mail addresses (sent as {@code mailto:})} */
    public List<String> emails() {
        return emails;
    }

    /** {@return whether the ACME server's terms of service are agreed to} */
    public boolean agreeToTermsOfService() {
        return agreeToTermsOfService;
    }

    /** {@return where the account key and the certificates are kept} */
    public Path stateDirectory() {
        return stateDirectory;
    }

    /**
     * {@return the names managed (canonical: lower case, no trailing dot), each with its key types, in the order
     * given}
     */
    public Map<String, Set<AcmeKeyType>> domains() {
        return domains;
    }

    /** {@return the challenges answered, in order of preference: the first the ACME server offers is taken} */
    public List<AcmeChallengeType> challenges() {
        return challenges;
    }

    /** {@return the client options that verify the ACME server's HTTPS certificate} */
    public TlsClientOptions acmeServerTrust() {
        return acmeServerTrust;
    }

    /** {@return the wait before the first retry after a failure} */
    public Duration retryFirst() {
        return retryFirst;
    }

    /** {@return the longest wait between retries} */
    public Duration retryMax() {
        return retryMax;
    }

    /** {@return how long one validation, or the wait for an issued certificate, may take} */
    public Duration validationTimeout() {
        return validationTimeout;
    }

    /** Builds {@link AcmeOptions}: the ACME server, the account, the names and where the state lives. */
    public static final class Builder {
        private final URI directory;
        private final List<String> emails = new ArrayList<>();
        private boolean agreeToTermsOfService;
        private Path stateDirectory;
        private final Map<String, Set<AcmeKeyType>> domains = new LinkedHashMap<>();
        private final List<AcmeChallengeType> challenges = new ArrayList<>();
        private TlsClientOptions acmeServerTrust;
        private Duration retryFirst = DEFAULT_RETRY_FIRST;
        private Duration retryMax = DEFAULT_RETRY_MAX;
        private Duration validationTimeout = DEFAULT_VALIDATION_TIMEOUT;

        private Builder(URI directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /**
         * A contact for the account (the CA writes about expiry and incidents); repeatable.
         *
         * @param address an e-mail address
         * @return this builder
         */
        public Builder email(String address) {
            emails.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /**
         * Agrees to the ACME server's terms of service (its directory's {@code meta.termsOfService}),
         * which most CAs require before they create an account. Off by default: someone must
         * have read them.
         *
         * @param agree {@code true} once someone has read them
         * @return this builder
         */
        public Builder agreeToTermsOfService(boolean agree) {
            this.agreeToTermsOfService = agree;
            return this;
        }

        /**
         * The directory for {@code account.key} (created on first use) and the certificates
         * ({@code NAME/ecdsa.pem}, {@code NAME/rsa.pem}: the chain and its key in one file,
         * replaced atomically). Created when missing. Keep it private: it holds private keys.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder stateDirectory(Path dir) {
            this.stateDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Manages a certificate for {@code name} of each of {@code keyTypes} (ECDSA P-256 when
         * none is given). Wildcards cannot be validated by tls-alpn-01 or http-01 and are refused.
         *
         * @param name a host name, not a wildcard
         * @param keyTypes the key types wanted
         * @return this builder
         */
        public Builder domain(String name, AcmeKeyType... keyTypes) {
            Objects.requireNonNull(name, "name");
            String n = name.toLowerCase(java.util.Locale.ROOT);
            if (n.endsWith(".")) {
                n = n.substring(0, n.length() - 1);
            }
            if (n.startsWith("*.")) {
                throw new IllegalArgumentException("'" + name + "': a wildcard needs the dns-01 challenge, which netty-tls"
                        + " does not answer (tls-alpn-01 and http-01 validate one name each)");
            }
            if (n.isEmpty() || !n.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                throw new IllegalArgumentException("'" + name + "' is not a DNS name an ACME server can validate"
                        + " (ASCII letters, digits and hyphens; IDN names as A-labels)");
            }
            Set<AcmeKeyType> types = domains.computeIfAbsent(n, k -> new LinkedHashSet<>());
            if (keyTypes.length == 0) {
                types.add(AcmeKeyType.ECDSA_P256);
            }
            types.addAll(List.of(keyTypes));
            return this;
        }

        /**
         * The challenges to answer, in order of preference; default tls-alpn-01 alone.
         *
         * @param types the challenge types
         * @return this builder
         */
        public Builder challenges(AcmeChallengeType... types) {
            challenges.clear();
            for (AcmeChallengeType t : types) {
                if (!challenges.contains(Objects.requireNonNull(t, "type"))) {
                    challenges.add(t);
                }
            }
            return this;
        }

        /**
         * How the ACME server's HTTPS certificate is verified: e.g.
         * {@code TlsClientOptions.builder().caFile(ca).build()} for a private ACME server. Default:
         * the system's CAs. Its hostname scheme is the reference's {@code http} unless it names one.
         *
         * @param options the client options for the ACME server
         * @return this builder
         */
        public Builder acmeServerTrust(TlsClientOptions options) {
            this.acmeServerTrust = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Retries after a failure: {@code first}, then twice as long each time up to {@code max}.
         *
         * @param first the first wait, positive
         * @param max the longest wait, positive
         * @return this builder
         */
        public Builder retry(Duration first, Duration max) {
            if (first.isNegative() || first.isZero() || max.isNegative() || max.isZero()) {
                throw new IllegalArgumentException("retry delays must be positive: " + first + ", " + max);
            }
            this.retryFirst = first;
            this.retryMax = max;
            return this;
        }

        /**
         * How long one validation, or the wait for an issued certificate, may take.
         *
         * @param timeout a positive timeout
         * @return this builder
         */
        public Builder validationTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("validation timeout must be positive: " + timeout);
            }
            this.validationTimeout = timeout;
            return this;
        }

        /**
         * The options, immutable.
         *
         * @return the options
         * @throws TlsException ({@code BAD_CONFIGURATION}) for a directory that is not an http(s)
         *     URL, a malformed e-mail address or no state directory
         */
        public AcmeOptions build() throws TlsException {
            return new AcmeOptions(this);
        }
    }
}
