package org.nettytls.verify;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.nettytls.cert.CaStore;

/**
 * Everything that decides whether a peer is accepted, as one immutable value that the
 * {@link TlsTrustManager} applies inside the handshake: the CAs, whether a failure refuses the
 * peer ({@code SSL_verify_mode}), fingerprint pins, the verify callback, the hostname scheme,
 * CRLs and further {@link PeerCheck}s.
 *
 * <p>The order is the reference's: the chain is validated; CRLs are consulted; the verify
 * callback sees every certificate from the root down with the verdict so far; at the peer's
 * own certificate the name is checked under the scheme; and where fingerprints are pinned, a
 * match of the peer's own certificate accepts it whatever failed before, while no match leaves
 * the verdict as it was (or, with {@code forceFingerprint}, refuses). Further checks run last,
 * on an accepted peer.
 *
 * <p>What the chain is held to besides: the {@link ValidationProfile}, the {@link SecurityFloor},
 * the verify depth, and the clock every date is read from.
 */
public final class PeerVerification {
    private final CaStore trust;
    private final boolean enforce;
    private final FingerprintPins pins;
    private final boolean forceFingerprint;
    private final VerifyCallback callback;
    private final HostnameScheme scheme;
    private final boolean checkName;
    private final String verifyName;
    private final PublicSuffix suffixes;
    private final CrlStore crls;
    private final boolean crlFullChain;
    private final List<PeerCheck> checks;
    private final ValidationProfile profile;
    private final SecurityFloor floor;
    private final int maxChainDepth;
    private final Clock clock;
    private final ChainValidator.Rules rules;
    private final HostnameScheme nameScheme;

    private PeerVerification(Builder b) {
        this.trust = b.trust;
        this.enforce = b.enforce;
        this.pins = b.pins;
        this.forceFingerprint = b.forceFingerprint;
        this.callback = b.callback;
        this.scheme = b.scheme;
        this.checkName = b.checkName;
        this.verifyName = b.verifyName;
        this.suffixes = b.suffixes;
        this.crls = b.crls;
        this.crlFullChain = b.crlFullChain;
        this.checks = List.copyOf(b.checks);
        this.profile = b.profile;
        this.floor = b.floor;
        this.maxChainDepth = b.maxChainDepth;
        this.clock = b.clock;
        this.rules = new ChainValidator.Rules(profile, floor, maxChainDepth);
        this.nameScheme = !checkName ? null : profile == ValidationProfile.WEBPKI ? sanOnly(scheme) : scheme;
    }

    /**
     * {@code scheme} as the WEBPKI profile applies it: subjectAltNames only, wildcards only as a
     * whole leftmost label (never inside one), no common name, no address in the common name. A
     * scheme whose callback decides stays as it is.
     */
    private static HostnameScheme sanOnly(HostnameScheme scheme) {
        if (scheme.callback() != null) {
            return scheme;
        }
        return HostnameScheme.builder().name(scheme.name() + "/webpki")
                .wildcardsInAlt(scheme.wildcardsInAlt() == HostnameScheme.Wildcards.OFF ? HostnameScheme.Wildcards.OFF
                        : HostnameScheme.Wildcards.FULL_LABEL)
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public CaStore trust() {
        return trust;
    }

    /** Whether a failure refuses the peer; when not, it is only recorded in the {@link PeerVerdict}. */
    public boolean enforce() {
        return enforce;
    }

    public FingerprintPins pins() {
        return pins;
    }

    public boolean forceFingerprint() {
        return forceFingerprint;
    }

    public VerifyCallback callback() {
        return callback;
    }

    /** The scheme the peer's name is checked under, or {@code null} when names are not checked. */
    public HostnameScheme scheme() {
        return checkName ? scheme : null;
    }

    /**
     * The scheme the name is actually checked under: {@link #scheme()}, or under
     * {@link ValidationProfile#WEBPKI} its subjectAltName-only form; {@code null} when names are not checked.
     */
    HostnameScheme nameScheme() {
        return nameScheme;
    }

    /** {@code SSL_verifycn_name}: the name to check instead of the SNI name or the host connected to. */
    public String verifyName() {
        return verifyName;
    }

    public PublicSuffix publicSuffix() {
        return suffixes;
    }

    /** {@code SSL_check_crl}: the CRLs to consult, or {@code null} when revocation is not checked by CRL. */
    public CrlStore crls() {
        return crls;
    }

    /** Whether every certificate of the chain is checked against CRLs, not only the peer's own. */
    public boolean crlFullChain() {
        return crlFullChain;
    }

    public List<PeerCheck> checks() {
        return checks;
    }

    /** The certificate profile the chain is held to; {@link ValidationProfile#DEFAULT} unless set. */
    public ValidationProfile profile() {
        return profile;
    }

    /** The weakest keys and signatures accepted; {@link SecurityFloor#STANDARD} unless set. */
    public SecurityFloor securityFloor() {
        return floor;
    }

    /** OpenSSL's verify depth: the intermediates allowed between the peer's certificate and the trust anchor. */
    public int maxChainDepth() {
        return maxChainDepth;
    }

    /** Where the time every date is checked against comes from (chain, CRLs, OCSP staples). */
    public Clock clock() {
        return clock;
    }

    ChainValidator.Rules rules() {
        return rules;
    }

    public static final class Builder {
        private CaStore trust;
        private boolean enforce = true;
        private FingerprintPins pins = FingerprintPins.none();
        private boolean forceFingerprint;
        private VerifyCallback callback;
        private HostnameScheme scheme = HostnameScheme.defaultScheme();
        private boolean checkName;
        private String verifyName;
        private PublicSuffix suffixes = PublicSuffix.builtIn();
        private CrlStore crls;
        private boolean crlFullChain;
        private final List<PeerCheck> checks = new ArrayList<>();
        private ValidationProfile profile = ValidationProfile.DEFAULT;
        private SecurityFloor floor = SecurityFloor.STANDARD;
        private int maxChainDepth = ChainValidator.DEFAULT_MAX_INTERMEDIATES;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The certificate profile; see {@link ValidationProfile}. */
        public Builder profile(ValidationProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
            return this;
        }

        /** The security floor; see {@link SecurityFloor}. */
        public Builder securityFloor(SecurityFloor floor) {
            this.floor = Objects.requireNonNull(floor, "floor");
            return this;
        }

        /**
         * OpenSSL's verify depth: at most {@code intermediates} CA certificates between the peer's
         * certificate and the trust anchor (neither counts); 0 to {@value ChainValidator#MAX_INTERMEDIATES_LIMIT},
         * {@value ChainValidator#DEFAULT_MAX_INTERMEDIATES} by default.
         */
        public Builder maxChainDepth(int intermediates) {
            if (intermediates < 0 || intermediates > ChainValidator.MAX_INTERMEDIATES_LIMIT) {
                throw new IllegalArgumentException("the verify depth is 0 to " + ChainValidator.MAX_INTERMEDIATES_LIMIT
                        + " intermediates: " + intermediates);
            }
            this.maxChainDepth = intermediates;
            return this;
        }

        /** The clock dates are checked against; the system's UTC clock by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder trust(CaStore trust) {
            this.trust = trust;
            return this;
        }

        public Builder enforce(boolean enforce) {
            this.enforce = enforce;
            return this;
        }

        public Builder pins(FingerprintPins pins, boolean force) {
            this.pins = Objects.requireNonNull(pins, "pins");
            this.forceFingerprint = force;
            return this;
        }

        public Builder callback(VerifyCallback callback) {
            this.callback = callback;
            return this;
        }

        /** Checks the peer's name under {@code scheme} (skipped for {@link HostnameScheme#isNone()}). */
        public Builder checkName(HostnameScheme scheme, String verifyName, PublicSuffix suffixes) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            this.checkName = !scheme.isNone();
            this.verifyName = verifyName;
            this.suffixes = Objects.requireNonNull(suffixes, "suffixes");
            return this;
        }

        /** Checks revocation against {@code crls} (null: no CRL check), for the leaf or the whole chain. */
        public Builder crls(CrlStore crls, boolean fullChain) {
            this.crls = crls;
            this.crlFullChain = fullChain;
            return this;
        }

        public Builder addChecks(List<PeerCheck> more) {
            checks.addAll(more);
            return this;
        }

        public PeerVerification build() {
            return new PeerVerification(this);
        }
    }
}
