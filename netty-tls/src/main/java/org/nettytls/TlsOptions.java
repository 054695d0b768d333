package org.nettytls;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.cert.PasswordCallback;
import org.nettytls.protocol.internal.CipherList;
import org.nettytls.protocol.internal.ProtocolVersions;
import org.nettytls.verify.internal.CrlStore;
import org.nettytls.verify.internal.FingerprintPins;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PeerCheck;
import org.nettytls.verify.internal.PeerVerification;
import org.nettytls.verify.PublicSuffix;
import org.nettytls.verify.SecurityFloor;
import org.nettytls.verify.ValidationProfile;
import org.nettytls.verify.VerifyCallback;
import org.nettytls.error.TlsException;

/**
 * What client and server options share: trust, own certificate, protocol and verification.
 * Immutable; built by the {@link Builder} of {@link TlsClientOptions} or {@link TlsServerOptions},
 * whose {@code build()} loads every file and checks every value, so that a context never
 * meets a bad option at handshake time.
 */
public abstract class TlsOptions {
    /** Netty's default, kept: a handshake that has not finished after this fails. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** The default verify depth: intermediates between the peer's certificate and the trust anchor (11 certificates in all). */
    public static final int DEFAULT_MAX_CHAIN_DEPTH = 9;
    /** How long {@link CloseMode#WAIT} waits for the peer's close_notify unless told otherwise. */
    public static final Duration DEFAULT_CLOSE_NOTIFY_TIMEOUT = Duration.ofSeconds(10);
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(TlsOptions.class);
    private static final java.util.regex.Pattern SECLEVEL = java.util.regex.Pattern.compile("@SECLEVEL=(\\d+)",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    private final ProtocolVersions versions;
    private final CipherList ciphers;
    private final List<String> alpn;
    private final KeyMaterial keyMaterial;
    private final CaStore trust;
    private final VerifyMode verifyMode;
    private final List<PeerCheck> peerChecks;
    private final Duration handshakeTimeout;
    private final FingerprintPins pins;
    private final List<String> fingerprintSpecs;
    private final boolean forceFingerprint;
    private final VerifyCallback verifyCallback;
    private final HostnameScheme scheme;
    private final boolean schemeNamed;
    private final String verifyName;
    private final PublicSuffix publicSuffix;
    private final CrlStore crls;
    private final boolean crlFullChain;
    private final boolean ocspStapling;
    private final Validation validation;
    private final Extras extras;

    TlsOptions(Builder<?> b, VerifyMode verifyMode, CaStore trust, KeyMaterial keyMaterial) throws TlsException {
        this.versions = b.versionList != null ? ProtocolVersions.of(b.versionList)
                : b.versionSpec == null ? ProtocolVersions.DEFAULT : ProtocolVersions.parse(b.versionSpec);
        this.ciphers = b.cipherSpec == null ? CipherList.defaults() : CipherList.parse(withoutSecurityLevel(b.cipherSpec));
        this.alpn = List.copyOf(b.alpn);
        this.keyMaterial = keyMaterial;
        this.trust = trust;
        this.verifyMode = verifyMode;
        this.peerChecks = List.copyOf(b.peerChecks);
        this.handshakeTimeout = b.handshakeTimeout;
        requireVerificationForChecks(b, verifyMode);
        this.pins = FingerprintPins.parse(b.fingerprints);
        this.fingerprintSpecs = List.copyOf(b.fingerprints);
        this.forceFingerprint = b.forceFingerprint;
        if (forceFingerprint && pins.isEmpty()) {
            throw TlsException.badConfiguration("forceFingerprint (SSL_force_fingerprint)", "is set but no SSL_fingerprint is given");
        }
        this.verifyCallback = b.verifyCallback;
        this.schemeNamed = b.scheme != null || b.schemeName != null;
        this.scheme = b.scheme != null ? b.scheme
                : b.schemeName != null ? HostnameScheme.named(b.schemeName) : HostnameScheme.DEFAULT;
        this.verifyName = b.verifyName;
        this.publicSuffix = b.publicSuffix != null ? b.publicSuffix : PublicSuffix.builtIn();
        this.crls = b.checkCrl || !b.crlFiles.isEmpty() ? b.loadCrls() : null;
        this.crlFullChain = b.crlFullChain;
        this.ocspStapling = b.ocspStapling;
        this.validation = new Validation(b, keyMaterial);
        if (versions.allowsBelowTls13() && !versions.allows(ProtocolVersions.Version.TLSv1_3) && ciphers.suites().isEmpty()) {
            throw TlsException.badConfiguration("cipherList (SSL_cipher_list)", "selects no suite for " + versions);
        }
        this.extras = new Extras(b, alpn);
    }

    /**
     * Checks of the peer's certificate asked for while the peer is not verified would silently
     * check nothing (IO::Socket::SSL ignores them then): the user clearly wanted checks, so this
     * is a configuration error naming the options.
     */
    private static void requireVerificationForChecks(Builder<?> b, VerifyMode verifyMode) throws TlsException {
        if (verifyMode != VerifyMode.NONE) {
            return;
        }
        List<String> checks = new ArrayList<>();
        if (!b.fingerprints.isEmpty()) {
            checks.add("SSL_fingerprint");
        }
        if (b.forceFingerprint) {
            checks.add("SSL_force_fingerprint");
        }
        if (b.verifyCallback != null) {
            checks.add("SSL_verify_callback");
        }
        if (b.checkCrl) {
            checks.add("SSL_check_crl");
        }
        if (!b.crlFiles.isEmpty()) {
            checks.add("SSL_crl_file");
        }
        if (!checks.isEmpty()) {
            throw TlsException.badConfiguration("verifyMode (SSL_verify_mode)", "is NONE" + (b.verifyMode == null ? " (a server's default)" : "")
                    + ", so the peer is not verified and " + String.join(", ", checks)
                    + " would check nothing; verify the peer (VerifyMode.PEER or REQUIRE) or drop "
                    + (checks.size() == 1 ? "it" : "them"));
        }
    }

    /** {@return the protocol versions a context may negotiate ({@code SSL_version}): TLS 1.2 and 1.3 unless set} */
    public java.util.Set<TlsVersion> protocols() {
        return TlsVersion.of(versions.versions());
    }

    /** {@return the TLS 1.2 cipher suites in order, as BoringSSL expanded {@code SSL_cipher_list} (OpenSSL names)} */
    public List<String> cipherSuites() {
        return ciphers.suites();
    }

    ProtocolVersions versions() {
        return versions;
    }

    CipherList ciphers() {
        return ciphers;
    }

    /** {@return {@code SSL_alpn_protocols}, in preference order; empty when ALPN is off} */
    public List<String> alpnProtocols() {
        return alpn;
    }

    /** {@return the own certificate and key ({@code SSL_cert_file}, {@code SSL_key_file}, ...), or {@code null}} */
    public KeyMaterial keyMaterial() {
        return keyMaterial;
    }

    /** {@return the CAs the peer is verified against, or {@code null} when the peer is not verified} */
    public CaStore trust() {
        return trust;
    }

    /** {@return {@code SSL_verify_mode}} */
    public VerifyMode verifyMode() {
        return verifyMode;
    }

    /** {@return the checks that run after the chain is validated, in order} */
    public List<PeerCheck> peerChecks() {
        return peerChecks;
    }

    /** {@return the handshake timeout (Netty's {@code SslHandler.setHandshakeTimeout}); zero disables it} */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** {@return {@code SSL_fingerprint}: pins that accept the peer's certificate whatever else fails, as given} */
    public List<String> fingerprints() {
        return fingerprintSpecs;
    }

    FingerprintPins pins() {
        return pins;
    }

    /** {@return {@code SSL_force_fingerprint}: only a pinned fingerprint accepts the peer} */
    public boolean forceFingerprint() {
        return forceFingerprint;
    }

    /** {@return {@code SSL_verify_callback}, or {@code null}} */
    public VerifyCallback verifyCallback() {
        return verifyCallback;
    }

    /** {@return {@code SSL_verifycn_scheme}: {@code default} unless set} */
    public HostnameScheme hostnameScheme() {
        return scheme;
    }

    /**
     * {@return whether {@code SSL_verifycn_scheme} was given, rather than left to a default (a protocol's, or {@code
     * default})}
     */
    public boolean hostnameSchemeNamed() {
        return schemeNamed;
    }

    /** {@return {@code SSL_verifycn_name}, or {@code null}} */
    public String peerName() {
        return verifyName;
    }

    /** {@return {@code SSL_verifycn_publicsuffix}: the built-in list unless set} */
    public PublicSuffix publicSuffix() {
        return publicSuffix;
    }

    /**
     * {@return {@code SSL_check_crl}: whether the peer's certificates are checked against CRLs ({@code SSL_crl_file},
     * the CA paths)}
     */
    public boolean checkCrl() {
        return crls != null;
    }

    CrlStore crls() {
        return crls;
    }

    /** {@return whether CRLs are checked for the whole chain rather than the peer's own certificate only} */
    public boolean crlFullChain() {
        return crlFullChain;
    }

    /**
     * {@return whether the context speaks OCSP stapling ({@code status_request}): a client asks for a staple, a
     * server may send one} netty-tls-ocsp turns it on; it checks and supplies the staples.
     */
    public boolean ocspStapling() {
        return ocspStapling;
    }

    /**
     * {@return {@code SSL_ecdh_curve}: the key exchange groups in preference order (BoringSSL names), or empty for
     * BoringSSL's defaults as Netty sets them: {@code X25519MLKEM768} (post-quantum hybrid) first, then {@code
     * X25519}, {@code P-256}, {@code P-384}, {@code P-521}}
     */
    public List<KeyExchangeGroup> keyExchangeGroups() {
        List<KeyExchangeGroup> out = new ArrayList<>(extras.groups.size());
        for (String g : extras.groups) {
            out.add(KeyExchangeGroup.ofBoringSslName(g));
        }
        return List.copyOf(out);
    }

    /** {@link #keyExchangeGroups()} by BoringSSL's names, as the context is given them. */
    List<String> groupNames() {
        return extras.groups;
    }

    /** {@return {@code SSL_npn_protocols}, in preference order; empty when NPN is off} */
    public List<String> npnProtocols() {
        return extras.npn;
    }

    /** {@return whether the handshakes' secrets are logged ({@link Builder#keyLog}, {@link Builder#keyLogFile})} */
    public boolean logsKeys() {
        return extras.keyLog != null;
    }

    KeyLog keyLog() {
        return extras.keyLog;
    }

    /** {@return {@code SSL_error_trap}, or {@code null}} */
    public org.nettytls.trap.ErrorTrap errorTrap() {
        return extras.errorTrap;
    }

    /** {@return {@code SSL_keepSocketOnError}: a failed handshake leaves the channel open (without TLS)} */
    public boolean keepSocketOnError() {
        return extras.keepSocketOnError;
    }

    /**
     * {@return what closing the channel does to TLS: {@code SSL_fast_shutdown} (default) or {@code SSL_no_shutdown},
     * or waiting}
     */
    public CloseMode closeMode() {
        return extras.closeMode;
    }

    /** {@return how long {@link #closeMode()} {@code WAIT} waits for the peer's close_notify} */
    public Duration closeNotifyTimeout() {
        return extras.closeNotifyTimeout;
    }

    /**
     * {@return {@code SSL_create_ctx_callback}: changes to Netty's builder after netty-tls set it up, or {@code
     * null}}
     */
    public java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> contextCustomizer() {
        return extras.customizer;
    }

    /**
     * {@return whether certificate compression (RFC 8879) is offered and accepted: {@link
     * Builder#certificateCompression}}
     */
    public boolean certificateCompression() {
        return extras.certificateCompression;
    }

    /** {@return {@link Builder#validationProfile}: {@link ValidationProfile#DEFAULT} unless set} */
    public ValidationProfile validationProfile() {
        return validation.profile;
    }

    /** {@return {@link Builder#securityFloor}: {@link SecurityFloor#STANDARD} unless set} */
    public SecurityFloor securityFloor() {
        return validation.floor;
    }

    /**
     * {@return {@link Builder#maxChainDepth}: intermediates allowed between the peer's certificate and the trust
     * anchor}
     */
    public int maxChainDepth() {
        return validation.maxChainDepth;
    }

    /**
     * {@return {@link Builder#validationClock}: the clock every date check reads; the system's UTC clock unless set}
     */
    public Clock validationClock() {
        return validation.clock;
    }

    /**
     * {@code spec} without OpenSSL's {@code @SECLEVEL=2}, which BoringSSL does not know and which
     * states the floor netty-tls keeps anyway; any other level is refused, naming the one option
     * that lowers the floor, rather than silently meaning nothing.
     */
    private static String withoutSecurityLevel(String spec) throws TlsException {
        java.util.regex.Matcher m = SECLEVEL.matcher(spec);
        while (m.find()) {
            if (!m.group(1).equals("2")) {
                throw TlsException.badConfiguration("cipherList (SSL_cipher_list)", "'" + m.group() + "' is not honoured by"
                        + " BoringSSL; netty-tls's security floor for certificates is OpenSSL's level 2, and"
                        + " securityFloor(SecurityFloor.LEGACY) is the one way to lower it to level 1 (RSA and DSA"
                        + " from 1024 bits, SHA-1) for a legacy private PKI");
            }
        }
        String stripped = m.replaceAll("").replaceAll("^[:,\\s]+|[:,\\s]+$", "").replaceAll("[:,\\s]*:[:,\\s]*", ":");
        return stripped.isEmpty() ? CipherList.DEFAULT_SPEC : stripped;
    }

    /** The chain-validation options, checked together. */
    private static final class Validation {
        final ValidationProfile profile;
        final SecurityFloor floor;
        final int maxChainDepth;
        final Clock clock;

        Validation(Builder<?> b, KeyMaterial own) throws TlsException {
            this.profile = b.profile;
            this.floor = b.floor;
            this.maxChainDepth = b.maxChainDepth;
            this.clock = b.clock;
            if (profile == ValidationProfile.WEBPKI && floor == SecurityFloor.LEGACY) {
                throw TlsException.badConfiguration("securityFloor", "LEGACY lowers the floor for a legacy private PKI,"
                        + " which the WEBPKI profile (the CA/Browser Forum's, RSA from 2048 bits and SHA-2 only) never"
                        + " accepts; choose one");
            }
            if (own != null) {
                String weak = org.nettytls.verify.internal.CertificateRules.ownChain(own.chain(), floor);
                if (weak != null) {
                    throw TlsException.badConfiguration("certificateFile (SSL_cert_file)", weak + (floor == SecurityFloor.STANDARD
                            ? " (securityFloor(SecurityFloor.LEGACY) accepts it for a legacy private PKI)" : ""));
                }
            }
            if (floor == SecurityFloor.LEGACY) {
                logger.warn("netty-tls: the security floor is lowered to LEGACY (the reference's @SECLEVEL=1): RSA and DSA"
                        + " keys from 1024 bits, any named EC curve and SHA-1 signatures are accepted in peer chains;"
                        + " use it for a legacy private PKI only");
            }
        }
    }

    /**
     * {@return the observer that every context built from these options reports to, or {@code null}}
     * <b>Experimental</b>: see {@link TlsObserver}.
     */
    public TlsObserver observer() {
        return extras.observer;
    }

    /** The options of the sessions-and-extras issue, kept apart so the rest of this class stays small. */
    private static final class Extras {
        final List<String> groups;
        final List<String> npn;
        final KeyLog keyLog;
        final org.nettytls.trap.ErrorTrap errorTrap;
        final boolean keepSocketOnError;
        final CloseMode closeMode;
        final Duration closeNotifyTimeout;
        final java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> customizer;
        final boolean certificateCompression;
        final TlsObserver observer;

        Extras(Builder<?> b, List<String> alpn) throws TlsException {
            if (b.dhFile != null) {
                throw TlsException.badConfiguration("dhFile (SSL_dh_file)", b.dhFile + ": BoringSSL has no finite-field DHE"
                        + " cipher suites, so DH parameters cannot be used; forward secrecy comes from ECDHE"
                        + " (SSL_ecdh_curve)");
            }
            this.groups = KeyExchangeGroups.parse(b.groups);
            this.npn = List.copyOf(b.npn);
            if (!npn.isEmpty() && !alpn.isEmpty() && !npn.equals(alpn)) {
                throw TlsException.badConfiguration("npnProtocols (SSL_npn_protocols)", "Netty offers one protocol list for ALPN"
                        + " and NPN, but they differ: ALPN " + alpn + ", NPN " + npn);
            }
            this.keyLog = b.keyLog;
            this.errorTrap = b.errorTrap;
            this.keepSocketOnError = b.keepSocketOnError;
            this.closeMode = b.closeMode;
            this.closeNotifyTimeout = b.closeNotifyTimeout;
            this.customizer = b.customizer;
            this.certificateCompression = b.certificateCompression;
            this.observer = b.observer;
        }
    }

    /** Everything that decides whether the peer is accepted, for the trust manager. */
    PeerVerification peerVerification(boolean enforce) {
        return peerVerification(enforce, scheme);
    }

    /** The same with {@code scheme} checking the peer's name. */
    PeerVerification peerVerification(boolean enforce, HostnameScheme scheme) {
        return PeerVerification.builder().trust(trust).enforce(enforce).pins(pins, forceFingerprint)
                .callback(verifyCallback).checkName(scheme, verifyName, publicSuffix).crls(crls, crlFullChain)
                .addChecks(peerChecks).profile(validation.profile).securityFloor(validation.floor)
                .maxChainDepth(validation.maxChainDepth).clock(validation.clock).build();
    }

    /**
     * The builder both roles share. Setters only record; {@code build()} loads and checks, and
     * throws a {@link TlsException} naming the offending option and file.
     */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<B extends Builder<B>> {
        String versionSpec;
        org.nettytls.protocol.internal.ProtocolVersions.Version[] versionList;
        String cipherSpec;
        final List<String> alpn = new ArrayList<>();
        Path certFile;
        Path keyFile;
        KeyMaterial keyMaterial;
        PasswordCallback passwords;
        final List<Path> caFiles = new ArrayList<>();
        final List<Path> caPaths = new ArrayList<>();
        final List<X509Certificate> caCertificates = new ArrayList<>();
        CaStore caStore;
        boolean defaultCa;
        VerifyMode verifyMode;
        final List<PeerCheck> peerChecks = new ArrayList<>();
        Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        final List<String> fingerprints = new ArrayList<>();
        boolean forceFingerprint;
        VerifyCallback verifyCallback;
        HostnameScheme scheme;
        String schemeName;
        String verifyName;
        PublicSuffix publicSuffix;
        boolean checkCrl;
        final List<Path> crlFiles = new ArrayList<>();
        boolean crlFullChain;
        boolean ocspStapling;
        ValidationProfile profile = ValidationProfile.DEFAULT;
        SecurityFloor floor = SecurityFloor.STANDARD;
        int maxChainDepth = DEFAULT_MAX_CHAIN_DEPTH;
        Clock clock = Clock.systemUTC();

        Builder() {
        }

        /**
         * The certificate profile the peer's chain is held to: {@link ValidationProfile#DEFAULT}
         * (IO::Socket::SSL-compatible identity plus the security floor), or
         * {@link ValidationProfile#WEBPKI} (adds the CA/Browser Forum Baseline Requirements'
         * certificate profile, and takes identity from the subjectAltName alone).
         *
         * @param profile {@link ValidationProfile#DEFAULT} or {@link ValidationProfile#WEBPKI}
         * @return this builder
         */
        public B validationProfile(ValidationProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
            return (B) this;
        }

        /**
         * The weakest keys and signatures accepted anywhere in the peer's chain, and in the own
         * certificate when {@code build()} checks it. <b>{@link SecurityFloor#LEGACY} is for a
         * legacy private PKI only</b> (the reference's {@code @SECLEVEL=1} in
         * {@code SSL_cipher_list}); {@code build()} logs a warning when it is chosen.
         *
         * @param floor the weakest keys and signatures accepted
         * @return this builder
         */
        public B securityFloor(SecurityFloor floor) {
            this.floor = Objects.requireNonNull(floor, "floor");
            return (B) this;
        }

        /**
         * OpenSSL's verify depth ({@code -verify_depth}, {@code SSL_CTX_set_verify_depth}): at most
         * {@code intermediates} CA certificates between the peer's certificate and the trust
         * anchor, neither of which counts. 0 to 20; {@value #DEFAULT_MAX_CHAIN_DEPTH} by default
         * (eleven certificates in all), as before this option existed.
         *
         * @param intermediates the number of CA certificates allowed between the peer's certificate
         *     and the anchor, 0 to 20
         * @return this builder
         */
        public B maxChainDepth(int intermediates) {
            if (intermediates < 0 || intermediates > 20) {
                throw new IllegalArgumentException("the verify depth is 0 to 20 intermediates: " + intermediates);
            }
            this.maxChainDepth = intermediates;
            return (B) this;
        }

        /**
         * The clock every date check of the peer's chain reads: validity windows, CRLs, and the
         * OCSP staple checked inside the handshake (netty-tls-ocsp; give its
         * {@code OcspClientConfig.Builder.validationClock} the same clock for the resolver and cache).
         * For validating at a given time ({@link Clock#fixed}) and for deterministic tests.
         *
         * @param clock the clock the peer's chain is judged by
         * @return this builder
         */
        public B validationClock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return (B) this;
        }

        final List<String> groups = new ArrayList<>();
        Path dhFile;
        final List<String> npn = new ArrayList<>();
        KeyLog keyLog;
        org.nettytls.trap.ErrorTrap errorTrap;
        boolean keepSocketOnError;
        CloseMode closeMode = CloseMode.FAST;
        Duration closeNotifyTimeout = DEFAULT_CLOSE_NOTIFY_TIMEOUT;
        java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> customizer;
        TlsObserver observer;
        boolean certificateCompression = true;

        /**
         * Certificate compression (RFC 8879), on by default for both roles: the certificate goes
         * out compressed to a peer that offers an algorithm this side has (brotli, where brotli4j
         * and its native library are on the class path, then zlib), and a peer's compressed
         * certificate is accepted; a peer that offers none sees a plain Certificate message. It
         * saved 170 to 290 bytes of the server's first flight for a two-certificate test chain
         * (RSA or ECDSA); public chains, with longer names, policies and URLs, compress better,
         * and under TCP's initial window a smaller flight can save a round trip. Decompression is
         * bounded by the length the peer announced. {@code false} neither offers nor accepts it.
         *
         * @param on {@code false} to neither offer nor accept compression
         * @return this builder
         */
        public B certificateCompression(boolean on) {
            this.certificateCompression = on;
            return (B) this;
        }

        /**
         * {@code SSL_ecdh_curve}: key exchange groups in preference order, in the reference's
         * colon syntax ({@code X25519MLKEM768:X25519:P-256}); OpenSSL's names ({@code prime256v1},
         * {@code secp384r1}) are accepted, {@code auto} means the defaults. An unknown group fails
         * {@code build()}.
         *
         * @param spec groups separated by colons, e.g. {@code X25519:P-256}, or {@code auto}
         * @return this builder
         */
        public B keyExchangeGroups(String spec) {
            groups.clear();
            for (String g : Objects.requireNonNull(spec, "spec").split(":")) {
                if (!g.isBlank()) {
                    groups.add(g.trim());
                }
            }
            return (B) this;
        }

        /**
         * The key exchange groups in preference order: the typed form of {@link #keyExchangeGroups(String)}.
         *
         * @param preferred the groups, most preferred first
         * @return this builder
         */
        public B keyExchangeGroups(KeyExchangeGroup... preferred) {
            groups.clear();
            for (KeyExchangeGroup g : preferred) {
                groups.add(g.boringSslName());
            }
            return (B) this;
        }

        /**
         * {@code SSL_dh_file}. <b>BoringSSL has no DHE cipher suites</b>, so giving a file fails
         * {@code build()} with a message saying so, rather than being ignored; not giving one is
         * the reference's {@code SSL_dh => undef}.
         *
         * @param file a file of DH parameters, always refused by BoringSSL
         * @return this builder
         */
        public B dhFile(Path file) {
            this.dhFile = Objects.requireNonNull(file, "file");
            return (B) this;
        }

        /**
         * {@code SSL_npn_protocols}: Next Protocol Negotiation (TLS 1.2 only; superseded by ALPN),
         * offered by BoringSSL on both sides. With ALPN too, the lists must be the same (Netty
         * has one).
         *
         * @param protocols the protocol names in preference order
         * @return this builder
         */
        public B npnProtocols(String... protocols) {
            npn.clear();
            npn.addAll(Arrays.asList(protocols));
            return (B) this;
        }

        /**
         * Hands every handshake's secrets, one line each in the NSS key log format
         * ({@code CLIENT_RANDOM ...} for TLS 1.2, the {@code *_TRAFFIC_SECRET_0} lines for TLS 1.3),
         * to {@code lines}, which must be thread-safe and quick: what Wireshark and tshark read to
         * decrypt captures. BoringSSL writes the lines; Netty 4.2 has no option for them, so
         * netty-tls sets tcnative's key-log callback on the context. <b>Please note:</b> a key log
         * decrypts every connection it recorded: for debugging only, never in production.
         *
         * @param lines receives each key log line; thread-safe and quick
         * @return this builder
         */
        public B keyLog(java.util.function.Consumer<String> lines) {
            this.keyLog = KeyLog.to(Objects.requireNonNull(lines, "lines"));
            return (B) this;
        }

        /**
         * {@link #keyLog} to a file, appending, created readable by its owner only where the file
         * system allows: what {@code SSLKEYLOGFILE} names in browsers.
         *
         * @param file the key log file, appended to
         * @return this builder
         */
        public B keyLogFile(Path file) {
            this.keyLog = KeyLog.toFile(file);
            return (B) this;
        }

        /**
         * {@code SSL_error_trap}: see {@link org.nettytls.trap.ErrorTrap}.
         *
         * @param trap gets the channel of a failed handshake
         * @return this builder
         */
        public B errorTrap(org.nettytls.trap.ErrorTrap trap) {
            this.errorTrap = Objects.requireNonNull(trap, "trap");
            return (B) this;
        }

        /**
         * {@code SSL_keepSocketOnError}: a failed handshake removes TLS but leaves the channel open.
         *
         * @param keep {@code true} to keep the channel open after a failed handshake
         * @return this builder
         */
        public B keepSocketOnError(boolean keep) {
            this.keepSocketOnError = keep;
            return (B) this;
        }

        /**
         * What closing the channel does: {@code FAST} sends close_notify and closes without waiting
         * ({@code SSL_fast_shutdown}, the default), {@code WAIT} also waits up to {@code timeout}
         * for the peer's close_notify, {@code NONE} closes without sending anything
         * ({@code SSL_no_shutdown}, e.g. when another process goes on with the TLS session).
         *
         * @param mode {@code FAST}, {@code WAIT} or {@code NONE}
         * @param timeout how long {@code WAIT} waits for the peer's close_notify
         * @return this builder
         */
        public B closeMode(CloseMode mode, Duration timeout) {
            this.closeMode = Objects.requireNonNull(mode, "mode");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the close_notify wait must be positive: " + timeout);
            }
            this.closeNotifyTimeout = timeout;
            return (B) this;
        }

        /**
         * {@code SSL_create_ctx_callback}: changes Netty's {@code SslContextBuilder} after netty-tls
         * has applied every option, just before the context is built.
         * <b>Please note:</b> what it changes is not checked; a trust manager set here replaces
         * netty-tls' verification.
         *
         * @param customizer changes Netty's builder last; unchecked
         * @return this builder
         */
        public B contextCustomizer(java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> customizer) {
            this.customizer = Objects.requireNonNull(customizer, "customizer");
            return (B) this;
        }

        /**
         * Reports every handshake of contexts built from these options (and SNI selections and
         * STARTTLS upgrades that install them) to {@code observer}, on the event loop: what
         * {@code netty-tls-metrics} attaches to. <b>Experimental</b>: see {@link TlsObserver}.
         *
         * @param observer the observer, e.g. {@code TlsMetrics}
         * @return this builder
         */
        public B observer(TlsObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return (B) this;
        }

        /**
         * {@code SSL_check_crl}: check the peer's certificate against CRLs, from
         * {@link #crlFile(Path)} and from the CRL files ({@code NNNNNNNN.r0}) of every
         * {@link #caPath(Path)}. As in OpenSSL, a certificate whose issuer has no usable CRL
         * fails, and a revoked one fails with code {@code revoked} and the reason.
         *
         * @param on {@code true} to check CRLs
         * @return this builder
         */
        public B checkCrl(boolean on) {
            this.checkCrl = on;
            return (B) this;
        }

        /**
         * {@code SSL_crl_file}: every CRL in the file (PEM or DER; the reference reads only the
         * first); repeatable. Giving one turns {@link #checkCrl(boolean)} on.
         *
         * @param file a PEM or DER file of CRLs
         * @return this builder
         */
        public B crlFile(Path file) {
            crlFiles.add(Objects.requireNonNull(file, "file"));
            return (B) this;
        }

        /**
         * Checks CRLs for every certificate of the chain below the root, not only the peer's own.
         *
         * @param on {@code true} for every certificate below the root
         * @return this builder
         */
        public B crlFullChain(boolean on) {
            this.crlFullChain = on;
            return (B) this;
        }

        CrlStore loadCrls() throws TlsException {
            CrlStore.Builder b = CrlStore.builder();
            for (Path f : crlFiles) {
                b.addFile(f);
            }
            for (Path d : caPaths) {
                b.addCaDirectory(d);
            }
            return b.build();
        }

        /**
         * {@code SSL_fingerprint}: {@code algo$hex}, {@code algo$pub$hex} or bare hex (md5, sha1 or
         * sha256 by length), colons and case ignored; repeatable. A match of the peer's own
         * certificate accepts it even when its chain or name would fail; no match leaves the
         * other checks to decide. Malformed pins fail {@code build()}.
         *
         * @param pins the pins, e.g. {@code sha256$ab:cd:...}
         * @return this builder
         */
        public B fingerprint(String... pins) {
            fingerprints.addAll(Arrays.asList(pins));
            return (B) this;
        }

        /**
         * {@code SSL_force_fingerprint}: only a pinned fingerprint accepts the peer, a trusted chain alone does not.
         *
         * @param force {@code true} to accept the peer only by a pin
         * @return this builder
         */
        public B forceFingerprint(boolean force) {
            this.forceFingerprint = force;
            return (B) this;
        }

        /**
         * {@code SSL_verify_callback}: called for every certificate of the chain; its answer decides.
         *
         * @param callback decides each certificate of the chain
         * @return this builder
         */
        public B verifyCallback(VerifyCallback callback) {
            this.verifyCallback = Objects.requireNonNull(callback, "callback");
            return (B) this;
        }

        /**
         * {@code SSL_verifycn_scheme} by name ({@code http}, {@code smtp}, {@code ldap}, ...,
         * {@code none}); an unknown name fails {@code build()}. Without it a client checks the
         * server's name under {@code default}, and a mismatch fails (IO::Socket::SSL's manual
         * says it only warns; its code fails too).
         *
         * @param name a predefined scheme's name
         * @return this builder
         */
        public B hostnameScheme(String name) {
            this.schemeName = Objects.requireNonNull(name, "name");
            this.scheme = null;
            return (B) this;
        }

        /**
         * {@code SSL_verifycn_scheme} as a custom scheme.
         *
         * @param scheme the scheme, from {@link HostnameScheme#builder()} or a predefined one
         * @return this builder
         */
        public B hostnameScheme(HostnameScheme scheme) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            this.schemeName = null;
            return (B) this;
        }

        /**
         * {@code SSL_verifycn_name}: the name the peer's certificate must carry. A client
         * otherwise checks the SNI name, else the host it connected to; a server checks client
         * certificates by name only when this is set.
         *
         * @param name the expected name (a host name or IP address)
         * @return this builder
         */
        public B peerName(String name) {
            this.verifyName = Objects.requireNonNull(name, "name");
            return (B) this;
        }

        /**
         * {@code SSL_verifycn_publicsuffix}: the list for the wildcard check; {@link PublicSuffix#none()} disables it.
         *
         * @param suffixes the list, or {@link PublicSuffix#none()}
         * @return this builder
         */
        public B publicSuffix(PublicSuffix suffixes) {
            this.publicSuffix = Objects.requireNonNull(suffixes, "suffixes");
            return (B) this;
        }

        /**
         * {@code SSL_version}: a version string in the reference's syntax, e.g. {@code SSLv23:!TLSv1:!TLSv1_1}.
         *
         * @param spec the versions in the reference's syntax
         * @return this builder
         */
        public B protocols(String spec) {
            this.versionSpec = Objects.requireNonNull(spec, "spec");
            this.versionList = null;
            return (B) this;
        }

        /**
         * The protocol versions to allow, e.g. {@code protocols(TlsVersion.TLS_1_3)}; the typed form of {@link
         * #protocols(String)}.
         *
         * @param versions the versions to allow
         * @return this builder
         */
        public B protocols(TlsVersion... versions) {
            if (versions.length == 0) {
                throw new IllegalArgumentException("at least one version is needed");
            }
            this.versionList = new org.nettytls.protocol.internal.ProtocolVersions.Version[versions.length];
            for (int i = 0; i < versions.length; i++) {
                versionList[i] = versions[i].internal();
            }
            this.versionSpec = null;
            return (B) this;
        }

        /**
         * {@code SSL_cipher_list}: an OpenSSL cipher string for TLS 1.2 and below.
         *
         * @param spec an OpenSSL cipher string, e.g. {@code ECDHE+AESGCM}
         * @return this builder
         */
        public B cipherList(String spec) {
            this.cipherSpec = Objects.requireNonNull(spec, "spec");
            return (B) this;
        }

        /**
         * {@code SSL_alpn_protocols}: protocols in preference order, e.g. {@code h2}, {@code http/1.1}.
         *
         * @param protocols the protocol names in preference order
         * @return this builder
         */
        public B alpnProtocols(String... protocols) {
            return alpnProtocols(Arrays.asList(protocols));
        }

        /**
         * {@code SSL_alpn_protocols} as a list: protocols in preference order (RFC 7301 section 3.1);
         * replaces any set before.
         *
         * @param protocols the protocol names, each 1 to 255 bytes
         * @return this builder
         * @throws IllegalArgumentException for an empty or too long name
         */
        public B alpnProtocols(List<String> protocols) {
            alpn.clear();
            for (String p : protocols) {
                if (p == null || p.isEmpty() || p.length() > 255) {
                    throw new IllegalArgumentException("ALPN protocol names are 1 to 255 bytes: '" + p + "'");
                }
                alpn.add(p);
            }
            return (B) this;
        }

        /**
         * {@code SSL_cert_file}: the own certificate (and chain), PEM, DER or PKCS#12, with its key
         * in the same file.
         *
         * @param certificateFile the file holding certificate, chain and key
         * @return this builder
         */
        public B certificateFile(Path certificateFile) {
            return certificateFile(certificateFile, null);
        }

        /**
         * {@code SSL_cert_file} and {@code SSL_key_file}; a null key file means "in the certificate file".
         *
         * @param certificateFile the file of the certificate and its chain
         * @param keyFile the key file ({@code SSL_key_file}), or {@code null}
         * @return this builder
         */
        public B certificateFile(Path certificateFile, Path keyFile) {
            this.certFile = Objects.requireNonNull(certificateFile, "certificateFile");
            this.keyFile = keyFile;
            this.keyMaterial = null;
            return (B) this;
        }

        /**
         * {@code SSL_cert} and {@code SSL_key}: an own certificate already in memory.
         *
         * @param material the certificate chain and key
         * @return this builder
         */
        public B certificate(KeyMaterial material) {
            this.keyMaterial = Objects.requireNonNull(material, "material");
            this.certFile = null;
            this.keyFile = null;
            return (B) this;
        }

        /**
         * {@code SSL_cert} and {@code SSL_key}; checks that {@code key} belongs to the first certificate.
         *
         * @param key the private key
         * @param chain the own certificate first, then its issuers
         * @return this builder
         */
        public B certificate(PrivateKey key, List<X509Certificate> chain) {
            this.keyMaterial = null;
            this.certFile = null;
            this.keyFile = null;
            this.inMemoryKey = Objects.requireNonNull(key, "key");
            this.inMemoryChain = List.copyOf(chain);
            return (B) this;
        }

        PrivateKey inMemoryKey;
        List<X509Certificate> inMemoryChain;

        /**
         * {@code SSL_passwd_cb}: called for an encrypted key or PKCS#12 file.
         *
         * @param callback gives the password for a named file
         * @return this builder
         */
        public B passwordCallback(PasswordCallback callback) {
            this.passwords = Objects.requireNonNull(callback, "callback");
            return (B) this;
        }

        /**
         * {@code SSL_ca_file}: CA certificates from a file; may be given several times.
         *
         * @param file a PEM, DER or PKCS#12 file of CA certificates
         * @return this builder
         */
        public B caFile(Path file) {
            caFiles.add(Objects.requireNonNull(file, "file"));
            return (B) this;
        }

        /**
         * {@code SSL_ca_path}: CA certificates from a directory (OpenSSL hashed names or *.pem/*.crt); repeatable.
         *
         * @param directory a directory of CA certificates
         * @return this builder
         */
        public B caPath(Path directory) {
            caPaths.add(Objects.requireNonNull(directory, "directory"));
            return (B) this;
        }

        /**
         * {@code SSL_ca}: CA certificates in memory; repeatable.
         *
         * @param certificates the CA certificates
         * @return this builder
         */
        public B caCertificates(X509Certificate... certificates) {
            caCertificates.addAll(Arrays.asList(certificates));
            return (B) this;
        }

        /**
         * A ready {@link CaStore}, combined with whatever else is given.
         *
         * @param store the CAs
         * @return this builder
         */
        public B caStore(CaStore store) {
            this.caStore = Objects.requireNonNull(store, "store");
            return (B) this;
        }

        /**
         * {@code default_ca}: the system's CAs as OpenSSL would find them ({@code SSL_CERT_FILE},
         * {@code SSL_CERT_DIR}, the distribution bundle, then the JDK's store). A verifying client
         * given no CA at all uses them anyway; a verifying server never does unless told with
         * this (see {@link TlsServerOptions}).
         *
         * @return this builder
         */
        public B defaultCa() {
            this.defaultCa = true;
            return (B) this;
        }

        /**
         * {@code SSL_verify_mode}. Please note: with {@link VerifyMode#NONE} (a server's default)
         * the peer is not verified, so {@code build()} refuses {@link #fingerprint},
         * {@link #forceFingerprint}, {@link #verifyCallback}, {@link #checkCrl} and {@link #crlFile},
         * which would check nothing. A server that verifies clients needs its client CAs named
         * ({@link #caFile}, {@link #caPath}, {@link #caCertificates}, {@link #caStore} or
         * {@link #defaultCa()} explicitly).
         *
         * @param mode whether and how the peer is verified
         * @return this builder
         */
        public B verifyMode(VerifyMode mode) {
            this.verifyMode = Objects.requireNonNull(mode, "mode");
            return (B) this;
        }

        /**
         * Adds a check that runs inside the handshake after the chain is validated.
         *
         * @param check the check; it must not block
         * @return this builder
         */
        public B addPeerCheck(PeerCheck check) {
            peerChecks.add(Objects.requireNonNull(check, "check"));
            return (B) this;
        }

        /**
         * OCSP stapling ({@code status_request}, RFC 6066): a client asks for the server's staple, a
         * server can send one ({@code ReferenceCountedOpenSslEngine.setOcspResponse}). This only
         * switches the protocol on; netty-tls-ocsp checks and supplies the responses.
         *
         * @param on {@code true} to speak {@code status_request}
         * @return this builder
         */
        public B ocspStapling(boolean on) {
            this.ocspStapling = on;
            return (B) this;
        }

        /**
         * The handshake timeout; {@link Duration#ZERO} disables it (not advised). Default 10 seconds.
         *
         * @param timeout the timeout, or {@link Duration#ZERO}
         * @return this builder
         */
        public B handshakeTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("handshake timeout must not be negative: " + timeout);
            }
            this.handshakeTimeout = timeout;
            return (B) this;
        }

        boolean hasTrustConfigured() {
            return caStore != null || defaultCa || !caFiles.isEmpty() || !caPaths.isEmpty() || !caCertificates.isEmpty();
        }

        /**
         * The CAs, or the system default when {@code useDefaultIfNone} and none were given,
         * without those whose OpenSSL trust settings do not allow verifying the peer's role.
         */
        CaStore loadTrust(boolean useDefaultIfNone, boolean peerIsServer) throws TlsException {
            CaStore all = loadTrust(useDefaultIfNone);
            if (all == null) {
                return null;
            }
            return peerIsServer ? all.forServerCertificates() : all.forClientCertificates();
        }

        private CaStore loadTrust(boolean useDefaultIfNone) throws TlsException {
            if (!hasTrustConfigured()) {
                return useDefaultIfNone ? CaStore.systemDefault() : null;
            }
            CaStore.Builder b = CaStore.builder();
            if (caStore != null) {
                b.addStore(caStore);
            }
            if (defaultCa) {
                b.addStore(CaStore.systemDefault());
            }
            for (Path f : caFiles) {
                b.addFile(f);
            }
            for (Path d : caPaths) {
                b.addDirectory(d);
            }
            b.addCertificates(caCertificates);
            return b.build();
        }

        KeyMaterial loadKeyMaterial() throws TlsException {
            if (keyMaterial != null) {
                return keyMaterial;
            }
            if (inMemoryKey != null) {
                return KeyMaterial.of(inMemoryKey, inMemoryChain);
            }
            if (certFile != null) {
                return CertificateLoader.keyMaterial(certFile, keyFile, passwords);
            }
            if (keyFile != null) {
                throw TlsException.badConfiguration("certificateFile (SSL_key_file)", keyFile + " is given without SSL_cert_file");
            }
            return null;
        }
    }
}
