package org.nettytls.verify;

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

        private Builder() {
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
