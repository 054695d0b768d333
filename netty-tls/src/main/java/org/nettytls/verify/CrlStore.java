package org.nettytls.verify;

import io.netty.internal.tcnative.CertificateVerifier;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x500.X500Name;
import org.nettytls.TlsException;
import org.nettytls.internal.DirectoryFiles;
import org.nettytls.cert.CertificateLoader;

/**
 * An immutable set of certificate revocation lists (RFC 5280 section 5) and the check of one
 * certificate against them: the Java home of IO::Socket::SSL's {@code SSL_crl_file} and of
 * the CRLs OpenSSL finds in {@code SSL_ca_path} when {@code SSL_check_crl} is on.
 *
 * <p><b>Loading.</b> A file may hold any number of PEM {@code X509 CRL} blocks, or one DER CRL;
 * all of them are read (IO::Socket::SSL reads only the first CRL of {@code SSL_crl_file}). A
 * directory is read as OpenSSL's hashed CA directory: files named {@code NNNNNNNN.rN} (what
 * {@code openssl rehash} makes for CRLs), symbolic links followed, every other file skipped.
 * Please note: unlike certificates in a CA directory, <b>a CRL file there that cannot be read
 * is an error</b>, not skipped, because a silently lost CRL would later refuse every peer of its
 * CA with "no CRL" and no hint why.
 *
 * <p><b>Checking</b> follows OpenSSL's {@code X509_V_FLAG_CRL_CHECK}: the CRL used for a
 * certificate is one whose issuer name is the certificate's issuer, whose scope covers the
 * certificate (its issuingDistributionPoint, if any, allows the kind of certificate and names one
 * of the certificate's CRL distribution points) and whose signature verifies with the issuer's
 * key; of several, one that is current, and of those the one issued last. When the issuer's
 * CRLs all exclude the certificate the result is {@link Status#DIFFERENT_CRL_SCOPE}, as in OpenSSL. <b>A certificate whose
 * issuer has no CRL fails</b> ({@link Status#NO_CRL}), as it does in OpenSSL: with CRL checking
 * on, "no CRL" never means "not revoked".
 *
 * <p><b>Cost.</b> Everything about a CRL that does not depend on the certificate checked is
 * worked out once, when the store is built: its issuingDistributionPoint and kind, its unhandled
 * critical extensions (of the CRL and of every entry), and an index of its entries by serial
 * number. A check, which runs inside the handshake on the event loop, then costs one hash
 * lookup per CRL of the issuer, whatever the size of the CRL; a CRL's signature is verified
 * once per issuer key and the answer kept.
 *
 * <p><b>Not supported</b>, like OpenSSL without {@code X509_V_FLAG_EXTENDED_CRL_SUPPORT} and
 * {@code X509_V_FLAG_USE_DELTAS}: delta CRLs, indirect CRLs, and CRLs partitioned by reason
 * ({@code onlySomeReasons}). Such CRLs are loaded but never used; when they are all an issuer has,
 * the check fails with {@link Status#NO_CRL} and says why each was passed over.
 */
public final class CrlStore {
    private static final Pattern HASHED_CRL = Pattern.compile("[0-9a-f]{8}\\.r[0-9]+");
    private static final String AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
    private static final String ISSUING_DISTRIBUTION_POINT = "2.5.29.28";
    private static final String DELTA_CRL_INDICATOR = "2.5.29.27";
    private static final String CRL_DISTRIBUTION_POINTS = "2.5.29.31";
    private static final String CERTIFICATE_ISSUER = "2.5.29.29";
    /** The critical CRL extensions OpenSSL handles; any other critical one makes the CRL unusable. */
    private static final Set<String> HANDLED_CRITICAL = Set.of(ISSUING_DISTRIBUTION_POINT, AUTHORITY_KEY_IDENTIFIER,
            DELTA_CRL_INDICATOR);
    private static final int CRL_SIGN = 6;
    private static final CrlStore NONE = new CrlStore(List.of(), List.of());
    /** How many issuer keys that do not verify a CRL are remembered per CRL: enough for honest use, bounded for an attacker's. */
    private static final int REFUSED_KEYS_KEPT = 16;

    private final List<X509CRL> crls;
    private final List<Indexed> indexed;
    private final String description;

    private CrlStore(Collection<X509CRL> crls, List<String> sources) {
        this.crls = List.copyOf(new LinkedHashSet<>(crls));
        this.indexed = this.crls.stream().map(Indexed::new).collect(Collectors.toUnmodifiableList());
        StringBuilder sb = new StringBuilder().append(this.crls.size()).append(this.crls.size() == 1 ? " CRL" : " CRLs");
        if (!sources.isEmpty()) {
            sb.append(" from ").append(String.join(", ", sources));
        }
        this.description = sb.toString();
    }

    /** A builder for a store from CRLs, files and directories. */
    public static Builder builder() {
        return new Builder();
    }

    /** The empty store: every check against it is {@link Status#NO_CRL}. */
    public static CrlStore none() {
        return NONE;
    }

    /** The CRLs, in the order they were added, each once. */
    public List<X509CRL> crls() {
        return crls;
    }

    public boolean isEmpty() {
        return crls.isEmpty();
    }

    /** What the store holds and where it came from, such as {@code 2 CRLs from /etc/crl.pem}. */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "CrlStore[" + description + "]";
    }

    /**
     * Whether {@code certificate}, issued by {@code issuer}, is revoked at {@code now} by the
     * CRLs of this store, as the class describes. For a self-signed certificate pass it twice.
     *
     * @throws IllegalArgumentException when {@code issuer} is not named as the certificate's issuer
     */
    public Result check(X509Certificate certificate, X509Certificate issuer, Instant now) {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(now, "now");
        X500Principal issuerName = certificate.getIssuerX500Principal();
        if (!issuer.getSubjectX500Principal().equals(issuerName)) {
            throw new IllegalArgumentException("the issuer " + ChainValidator.describe(issuer)
                    + " is not the issuer '" + issuerName.getName() + "' named by " + ChainValidator.describe(certificate));
        }
        String subject = subject(certificate);
        String ca = "'" + issuerName.getName() + "'";

        List<Indexed> inScope = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        List<String> outOfScope = new ArrayList<>();
        for (Indexed c : indexed) {
            if (!c.issuer.equals(issuerName)) {
                continue;
            }
            if (c.unsupported != null) {
                unsupported.add(issued(c.crl) + c.unsupported);
                continue;
            }
            String why = whyOutOfScope(c.crl, c.idp, certificate);
            if (why != null) {
                outOfScope.add(issued(c.crl) + why);
                continue;
            }
            inScope.add(c);
        }
        if (inScope.isEmpty() && !outOfScope.isEmpty()) {
            outOfScope.addAll(unsupported);
            return new Result(Status.DIFFERENT_CRL_SCOPE, "no CRL of " + ca + " covers " + subject + ": "
                    + String.join("; ", outOfScope), null, null, null);
        }
        if (inScope.isEmpty()) {
            String found = !unsupported.isEmpty() ? String.join("; ", unsupported)
                    : crls.isEmpty() ? "no CRL is loaded"
                    : "the CRLs loaded (" + description + ") are all issued by " + issuers();
            return new Result(Status.NO_CRL, "no CRL of " + ca + " to check " + subject + " against: " + found,
                    null, null, null);
        }
        List<Indexed> signed = inScope.stream().filter(c -> c.signedBy(issuer.getPublicKey())).collect(Collectors.toList());
        if (signed.isEmpty()) {
            return new Result(Status.CRL_SIGNATURE_FAILURE, "cannot check " + subject + ": "
                    + (inScope.size() == 1 ? "the CRL" : "none of the " + inScope.size() + " CRLs") + " named as issued by "
                    + ca + (inScope.size() == 1 ? " is not" : " is") + " signed by the key of the issuer's certificate"
                    + " (a CRL of another CA with the same name, or a damaged CRL)", inScope.get(0).crl, null, null);
        }
        Date date = Date.from(now);
        Comparator<Indexed> newest = Comparator.comparing(c -> c.crl.getThisUpdate());
        Indexed chosen = signed.stream().filter(c -> current(c.crl, date)).max(newest)
                .orElseGet(() -> signed.stream().max(newest).orElseThrow());
        X509CRL crl = chosen.crl;
        String ofCrl = "the CRL of " + ca + " issued " + time(crl.getThisUpdate());

        boolean[] keyUsage = issuer.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= CRL_SIGN || !keyUsage[CRL_SIGN])) {
            return new Result(Status.CRL_SIGNER_NOT_ALLOWED, "cannot check " + subject + ": " + ofCrl
                    + " is signed by a CA whose keyUsage lacks cRLSign", crl, null, null);
        }
        // Whole seconds, as certificate validity (RFC 5280 5.1.2.4 and 5.1.2.5 encode no fractions).
        long second = now.getEpochSecond();
        if (Math.floorDiv(crl.getThisUpdate().getTime(), 1000L) > second) {
            return new Result(Status.CRL_NOT_YET_VALID, "cannot check " + subject + ": " + ofCrl
                    + " is not valid yet (now " + time(date) + ")", crl, null, null);
        }
        if (crl.getNextUpdate() != null && Math.floorDiv(crl.getNextUpdate().getTime(), 1000L) < second) {
            return new Result(Status.CRL_EXPIRED, "cannot check " + subject + ": " + ofCrl + " expired at "
                    + time(crl.getNextUpdate()) + " (its nextUpdate; now " + time(date) + ")", crl, null, null);
        }
        if (chosen.unhandledCritical != null) {
            return new Result(Status.UNHANDLED_CRITICAL_EXTENSION, "cannot check " + subject + ": " + ofCrl
                    + " has " + chosen.unhandledCritical + ", so it cannot be understood", crl, null, null);
        }
        X509CRLEntry entry = chosen.entries.get(certificate.getSerialNumber());
        if (entry == null || entry.getRevocationReason() == CRLReason.REMOVE_FROM_CRL) {
            return new Result(Status.GOOD, subject + " is not revoked by " + ofCrl
                    + (crl.getNextUpdate() == null ? "" : " (next update " + time(crl.getNextUpdate()) + ")"),
                    crl, null, null);
        }
        CRLReason reason = entry.getRevocationReason() == null ? CRLReason.UNSPECIFIED : entry.getRevocationReason();
        return new Result(Status.REVOKED, subject + " was revoked at " + time(entry.getRevocationDate())
                + ", reason " + reasonName(reason) + ", by " + ofCrl, crl, entry.getRevocationDate().toInstant(), reason);
    }

    private String issuers() {
        Set<String> names = new TreeSet<>();
        for (X509CRL crl : crls) {
            names.add("'" + crl.getIssuerX500Principal().getName() + "'");
        }
        return String.join(", ", names);
    }

    private static boolean current(X509CRL crl, Date date) {
        return !crl.getThisUpdate().after(date) && (crl.getNextUpdate() == null || !crl.getNextUpdate().before(date));
    }

    /**
     * A CRL with what the checks need worked out once, when the store is built: nothing here
     * depends on the certificate checked, and nothing on the per-handshake path walks the entries.
     */
    private static final class Indexed {
        final X509CRL crl;
        final X500Principal issuer;
        /** Null when the CRL has none (or when {@link #unsupported}). */
        final IssuingDistributionPoint idp;
        /** Why the CRL is never used (see the class comment), or null. */
        final String unsupported;
        /** The unhandled critical extensions of the CRL or of one of its entries, described; or null. */
        final String unhandledCritical;
        /** The entries by serial number: one lookup per check, whatever the provider's X509CRL does. */
        final Map<BigInteger, X509CRLEntry> entries;
        /** The issuer key that verified the signature, once one has. */
        private volatile PublicKey verifiedBy;
        /** Keys that did not verify it, a few kept. */
        private final Set<PublicKey> refused = ConcurrentHashMap.newKeySet();

        Indexed(X509CRL crl) {
            this.crl = crl;
            this.issuer = crl.getIssuerX500Principal();
            IssuingDistributionPoint point = null;
            String why;
            try {
                point = issuingDistributionPoint(crl);
                why = whyUnsupported(crl, point);
            } catch (RuntimeException e) {
                why = "has an issuingDistributionPoint that cannot be parsed (" + e.getMessage() + ")";
            }
            this.idp = point;
            this.unsupported = why;
            Set<? extends X509CRLEntry> revoked = crl.getRevokedCertificates();
            Map<BigInteger, X509CRLEntry> bySerial = new HashMap<>(revoked == null ? 0 : revoked.size() * 4 / 3 + 1);
            String unhandled = unhandledCriticalExtensions(crl);
            if (revoked != null) {
                for (X509CRLEntry entry : revoked) {
                    if (unhandled == null) {
                        unhandled = unhandledCriticalExtensions(entry);
                    }
                    // A serial listed twice: an entry that revokes wins over one that removes from the CRL.
                    bySerial.merge(entry.getSerialNumber(), entry,
                            (old, added) -> old.getRevocationReason() == CRLReason.REMOVE_FROM_CRL ? added : old);
                }
            }
            this.unhandledCritical = unhandled;
            this.entries = bySerial;
        }

        /** Whether {@code key} verifies the CRL's signature; the answer depends only on the two, so it is kept. */
        boolean signedBy(PublicKey key) {
            if (key.equals(verifiedBy)) {
                return true;
            }
            if (refused.contains(key)) {
                return false;
            }
            boolean ok;
            try {
                crl.verify(key);
                ok = true;
            } catch (GeneralSecurityException | RuntimeException e) {
                ok = false;
            }
            if (ok) {
                verifiedBy = key;
            } else if (refused.size() < REFUSED_KEYS_KEPT) {
                refused.add(key);
            }
            return ok;
        }
    }

    private static String issued(X509CRL crl) {
        return "the CRL issued " + time(crl.getThisUpdate()) + " ";
    }

    /** The CRL's issuingDistributionPoint, or null when it has none. */
    private static IssuingDistributionPoint issuingDistributionPoint(X509CRL crl) {
        byte[] value = crl.getExtensionValue(ISSUING_DISTRIBUTION_POINT);
        return value == null ? null : IssuingDistributionPoint.getInstance(ASN1OctetString.getInstance(value).getOctets());
    }

    /** Why {@code crl} is of a kind this class does not use (see the class comment); null when it is not. */
    private static String whyUnsupported(X509CRL crl, IssuingDistributionPoint idp) {
        if (crl.getExtensionValue(DELTA_CRL_INDICATOR) != null) {
            return "is a delta CRL (delta CRLs are not supported; give the complete CRL)";
        }
        if (idp != null && idp.isIndirectCRL()) {
            return "is an indirect CRL (indirect CRLs are not supported)";
        }
        if (idp != null && idp.getOnlySomeReasons() != null) {
            return "covers only some revocation reasons (CRLs partitioned by reason are not supported)";
        }
        return null;
    }

    /**
     * Why {@code crl}, issued by the certificate's issuer, does not cover {@code certificate}
     * (RFC 5280 section 6.3.3 (b), OpenSSL's CRL scope); null when it does.
     */
    private static String whyOutOfScope(X509CRL crl, IssuingDistributionPoint idp, X509Certificate certificate) {
        if (idp == null) {
            return null;
        }
        if (idp.onlyContainsAttributeCerts()) {
            return "covers only attribute certificates";
        }
        boolean isCa = certificate.getBasicConstraints() >= 0;
        if (isCa && idp.onlyContainsUserCerts()) {
            return "covers only end-entity certificates, and the certificate is a CA";
        }
        if (!isCa && idp.onlyContainsCACerts()) {
            return "covers only CA certificates, and the certificate is not a CA";
        }
        DistributionPointName scope = idp.getDistributionPoint();
        if (scope == null) {
            return null;
        }
        List<DistributionPoint> points;
        try {
            byte[] value = certificate.getExtensionValue(CRL_DISTRIBUTION_POINTS);
            points = value == null ? List.of()
                    : List.of(CRLDistPoint.getInstance(ASN1OctetString.getInstance(value).getOctets()).getDistributionPoints());
        } catch (RuntimeException e) {
            return "is limited to a distribution point, and the certificate's cRLDistributionPoints cannot be parsed";
        }
        X500Name crlIssuer = X500Name.getInstance(crl.getIssuerX500Principal().getEncoded());
        for (DistributionPoint point : points) {
            if (namesCrlIssuer(point.getCRLIssuer(), crlIssuer) && sameDistributionPoint(point.getDistributionPoint(), scope)) {
                return null;
            }
        }
        return "is limited to the distribution point " + scope.getName()
                + ", which is not among the certificate's cRLDistributionPoints";
    }

    /** A distribution point without a cRLIssuer is served by the certificate's issuer itself. */
    private static boolean namesCrlIssuer(GeneralNames crlIssuers, X500Name crlIssuer) {
        if (crlIssuers == null) {
            return true;
        }
        for (GeneralName name : crlIssuers.getNames()) {
            if (name.getTagNo() == GeneralName.directoryName && X500Name.getInstance(name.getName()).equals(crlIssuer)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameDistributionPoint(DistributionPointName a, DistributionPointName b) {
        if (a == null) {
            return false;
        }
        if (a.getType() == DistributionPointName.FULL_NAME && b.getType() == DistributionPointName.FULL_NAME) {
            List<GeneralName> names = List.of(GeneralNames.getInstance(b.getName()).getNames());
            for (GeneralName name : GeneralNames.getInstance(a.getName()).getNames()) {
                if (names.contains(name)) {
                    return true;
                }
            }
            return false;
        }
        return a.equals(b);
    }

    /** The critical extensions of the CRL itself that OpenSSL would not handle, described; or null. */
    private static String unhandledCriticalExtensions(X509CRL crl) {
        Set<String> critical = crl.getCriticalExtensionOIDs();
        if (critical != null) {
            Set<String> unhandled = new TreeSet<>(critical);
            unhandled.removeAll(HANDLED_CRITICAL);
            if (!unhandled.isEmpty()) {
                return "unknown critical extension(s) " + unhandled;
            }
        }
        return null;
    }

    /**
     * The critical extensions of one entry OpenSSL would not handle, described; or null. One
     * such entry makes the whole CRL unusable, as in OpenSSL.
     */
    private static String unhandledCriticalExtensions(X509CRLEntry entry) {
        Set<String> critical = entry.getCriticalExtensionOIDs();
        if (critical == null) {
            return null;
        }
        Set<String> unhandled = new TreeSet<>(critical);
        unhandled.remove(CERTIFICATE_ISSUER);
        return unhandled.isEmpty() ? null
                : "unknown critical extension(s) " + unhandled + " in the entry for serial " + hex(entry.getSerialNumber());
    }

    private static String subject(X509Certificate c) {
        return "certificate " + ChainValidator.describe(c) + " (serial " + hex(c.getSerialNumber()) + ")";
    }

    private static String hex(BigInteger serial) {
        return "0x" + serial.toString(16);
    }

    private static String time(Date d) {
        return ChainValidator.time(d);
    }

    /** The RFC 5280 (section 5.3.1) name of a reason, such as {@code keyCompromise}. */
    static String reasonName(CRLReason reason) {
        switch (reason) {
            case KEY_COMPROMISE:
                return "keyCompromise";
            case CA_COMPROMISE:
                return "cACompromise";
            case AFFILIATION_CHANGED:
                return "affiliationChanged";
            case SUPERSEDED:
                return "superseded";
            case CESSATION_OF_OPERATION:
                return "cessationOfOperation";
            case CERTIFICATE_HOLD:
                return "certificateHold";
            case REMOVE_FROM_CRL:
                return "removeFromCRL";
            case PRIVILEGE_WITHDRAWN:
                return "privilegeWithdrawn";
            case AA_COMPROMISE:
                return "aACompromise";
            case UNUSED:
                return "unused (7)";
            default:
                return "unspecified";
        }
    }

    /** The outcome of {@link #check}, named after the OpenSSL verify error it corresponds to. */
    public enum Status {
        /** A current CRL of the issuer does not list the certificate. */
        GOOD,
        /** The certificate is listed ({@code X509_V_ERR_CERT_REVOKED}). */
        REVOKED,
        /** No usable CRL of the issuer ({@code X509_V_ERR_UNABLE_TO_GET_CRL}). */
        NO_CRL,
        /**
         * The issuer's CRLs are limited (by their issuingDistributionPoint) to other certificates
         * ({@code X509_V_ERR_DIFFERENT_CRL_SCOPE}).
         */
        DIFFERENT_CRL_SCOPE,
        /** The issuer's CRL is past its nextUpdate ({@code X509_V_ERR_CRL_HAS_EXPIRED}). */
        CRL_EXPIRED,
        /** The issuer's CRL has a thisUpdate in the future ({@code X509_V_ERR_CRL_NOT_YET_VALID}). */
        CRL_NOT_YET_VALID,
        /** CRLs name the issuer but none is signed by its key ({@code X509_V_ERR_CRL_SIGNATURE_FAILURE}). */
        CRL_SIGNATURE_FAILURE,
        /** The issuer's keyUsage does not allow signing CRLs ({@code X509_V_ERR_KEYUSAGE_NO_CRL_SIGN}). */
        CRL_SIGNER_NOT_ALLOWED,
        /**
         * The CRL or one of its entries has a critical extension not understood
         * ({@code X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION}).
         */
        UNHANDLED_CRITICAL_EXTENSION
    }

    /** The verdict of one {@link #check}: a status, a message saying what was expected and found, and the details. */
    public static final class Result {
        private final Status status;
        private final String message;
        private final X509CRL crl;
        private final Instant revocationDate;
        private final CRLReason reason;

        private Result(Status status, String message, X509CRL crl, Instant revocationDate, CRLReason reason) {
            this.status = status;
            this.message = message;
            this.crl = crl;
            this.revocationDate = revocationDate;
            this.reason = reason;
        }

        public Status status() {
            return status;
        }

        public boolean isGood() {
            return status == Status.GOOD;
        }

        /** What was checked and found, naming the certificate, its serial and the CRL. */
        public String message() {
            return message;
        }

        /** The CRL the verdict rests on; null for {@link Status#NO_CRL} and {@link Status#DIFFERENT_CRL_SCOPE}. */
        public X509CRL crl() {
            return crl;
        }

        /** When the certificate was revoked; null unless {@link Status#REVOKED}. */
        public Instant revocationDate() {
            return revocationDate;
        }

        /** Why it was revoked ({@link CRLReason#UNSPECIFIED} when the CRL does not say); null unless {@link Status#REVOKED}. */
        public CRLReason reason() {
            return reason;
        }

        /**
         * The failure as a {@link TlsException}: code {@code REVOKED} for a revoked certificate,
         * {@code UNTRUSTED_CHAIN} when no usable CRL says either way.
         *
         * @throws IllegalStateException when the result is {@link Status#GOOD}
         */
        public TlsException toException() {
            if (isGood()) {
                throw new IllegalStateException("not a failure: " + message);
            }
            return toChainFailure(0).toException();
        }

        /** The OpenSSL verify error for BoringSSL's alert ({@code X509_V_OK} when good). */
        public int x509Error() {
            return isGood() ? CertificateVerifier.X509_V_OK : toChainFailure(0).x509Error();
        }

        /** The failure of the certificate at {@code depth} of the peer's chain; null when good. */
        ChainFailure toChainFailure(int depth) {
            ChainFailure.Reason r;
            switch (status) {
                case GOOD:
                    return null;
                case REVOKED:
                    r = ChainFailure.Reason.REVOKED;
                    break;
                case NO_CRL:
                    r = ChainFailure.Reason.CRL_MISSING;
                    break;
                case DIFFERENT_CRL_SCOPE:
                    r = ChainFailure.Reason.CRL_DIFFERENT_SCOPE;
                    break;
                case CRL_EXPIRED:
                    r = ChainFailure.Reason.CRL_EXPIRED;
                    break;
                case CRL_NOT_YET_VALID:
                    r = ChainFailure.Reason.CRL_NOT_YET_VALID;
                    break;
                case CRL_SIGNATURE_FAILURE:
                    r = ChainFailure.Reason.CRL_BAD_SIGNATURE;
                    break;
                case CRL_SIGNER_NOT_ALLOWED:
                    r = ChainFailure.Reason.CRL_SIGNER_NOT_ALLOWED;
                    break;
                default:
                    r = ChainFailure.Reason.CRL_UNHANDLED_CRITICAL_EXTENSION;
                    break;
            }
            return new ChainFailure(r, depth, message);
        }

        @Override
        public String toString() {
            return status + ": " + message;
        }
    }

    /** Collects CRLs, files and directories; loading happens in {@link #build()}. */
    public static final class Builder {
        private final List<Object> sources = new ArrayList<>();

        private Builder() {
        }

        /** Adds CRLs already loaded. */
        public Builder addCrls(Collection<X509CRL> crls) {
            sources.add(List.copyOf(crls));
            return this;
        }

        /** Adds every CRL of a file, PEM or DER ({@code SSL_crl_file}). */
        public Builder addFile(Path file) {
            sources.add(new Source(Objects.requireNonNull(file, "file"), false));
            return this;
        }

        /** Adds the CRLs of a hashed directory ({@code SSL_ca_path}), read as the class describes. */
        public Builder addDirectory(Path directory) {
            sources.add(new Source(Objects.requireNonNull(directory, "directory"), true));
            return this;
        }

        /**
         * Adds the CRLs a CA directory ({@code SSL_ca_path}) holds, if any: with
         * {@code SSL_check_crl} OpenSSL looks for them there, and a CA directory without CRLs is
         * no error in itself (a certificate whose issuer has no CRL then fails its check).
         */
        public Builder addCaDirectory(Path directory) throws TlsException {
            Objects.requireNonNull(directory, "directory");
            if (!Files.isDirectory(directory)) {
                return this;
            }
            try (Stream<Path> list = Files.list(directory)) {
                if (list.anyMatch(p -> HASHED_CRL.matcher(p.getFileName().toString()).matches())) {
                    sources.add(new Source(directory, true));
                }
            } catch (IOException e) {
                throw TlsException.badInput(directory.toString(), "cannot list directory: " + e.getMessage(), e);
            }
            return this;
        }

        /** Loads everything added; a source that cannot be read or holds no CRL is an error naming it. */
        public CrlStore build() throws TlsException {
            List<X509CRL> all = new ArrayList<>();
            List<String> names = new ArrayList<>();
            int given = 0;
            for (Object source : sources) {
                if (source instanceof Source) {
                    Source s = (Source) source;
                    all.addAll(s.directory ? directory(s.path) : CertificateLoader.crls(s.path));
                    names.add(s.path.toString());
                } else {
                    @SuppressWarnings("unchecked")
                    List<X509CRL> crls = (List<X509CRL>) source;
                    all.addAll(crls);
                    given += crls.size();
                }
            }
            if (given > 0) {
                names.add(given + " given CRL(s)");
            }
            return new CrlStore(all, names);
        }

        private static List<X509CRL> directory(Path dir) throws TlsException {
            List<Path> files = DirectoryFiles.list(dir, name -> HASHED_CRL.matcher(name).matches());
            if (files.isEmpty()) {
                throw TlsException.badInput(dir.toString(), "directory holds no CRL (no file named like NNNNNNNN.r0;"
                        + " openssl rehash makes these names)", null);
            }
            List<X509CRL> found = new ArrayList<>();
            for (Path file : files) {
                found.addAll(CertificateLoader.crls(file));
            }
            return found;
        }
    }

    private static final class Source {
        final Path path;
        final boolean directory;

        Source(Path path, boolean directory) {
            this.path = path;
            this.directory = directory;
        }
    }
}
