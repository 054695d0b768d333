package org.nettytls.ocsp;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.ResponderID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.nettytls.cert.CertificateFields;

/**
 * Checks one DER OCSP response for one certificate, every rule of RFC 6960 (with RFC 5019's
 * profile) that decides whether it may be believed. Thread-safe, and stateless but for a bounded
 * memory of the staples it verified ({@link #verifyStaple}); what it returns
 * is {@link OcspStatus.Result#GOOD}, {@code REVOKED} or {@code UNKNOWN} only for a response that
 * passed every check, and otherwise a {@code SOFT_FAILURE} saying which check failed.
 */
final class OcspVerifier {
    static final ASN1ObjectIdentifier OCSP_SIGNING = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.3.9");
    static final ASN1ObjectIdentifier NONCE = OCSPObjectIdentifiers.id_pkix_ocsp_nonce;
    /** Response extensions understood here: only the nonce (RFC 6960 section 4.4.1). */
    private static final Set<ASN1ObjectIdentifier> KNOWN_RESPONSE_EXTENSIONS = Set.of(NONCE);
    /** Certificate extensions a delegated responder's certificate may mark critical. */
    private static final Set<String> KNOWN_CERT_CRITICAL = Set.of(Extension.keyUsage.getId(),
            Extension.extendedKeyUsage.getId(), Extension.basicConstraints.getId(), Extension.subjectAlternativeName.getId(),
            "1.3.6.1.5.5.7.48.1.5");

    private final Duration skew;
    private final Duration maxAge;
    private final int maxBytes;
    private final List<X509Certificate> trustedResponders;
    final VerifiedStaples staples = new VerifiedStaples(VerifiedStaples.DEFAULT_SIZE);

    OcspVerifier(Duration skew, Duration maxAge, int maxBytes, List<X509Certificate> trustedResponders) {
        this.skew = skew;
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
        this.trustedResponders = List.copyOf(trustedResponders);
    }

    /** Thrown inside the checks: the response is not to be believed, and why. */
    private static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The verdict of {@code der} on {@code cert}, whose issuer is {@code issuer}.
     *
     * @param nonce the nonce extension value sent in the request, or {@code null} when none was sent
     */
    OcspStatus verify(byte[] der, X509Certificate cert, X509Certificate issuer, byte[] nonce, Instant now,
                      OcspStatus.Source source) {
        String subject = subject(cert);
        try {
            return signed(der, cert, issuer, nonce, now).at(now, skew, maxAge, source, subject);
        } catch (Unusable e) {
            return OcspStatus.softFailure(source, subject, e.getMessage(), null);
        }
    }

    /**
     * {@link #verify} for a stapled response (no nonce), which a server sends unchanged in every
     * handshake until it fetches the next: what the checks that do not depend on the time found
     * (parse, responder authorization, signature, the certificate's SingleResponse and status) is
     * kept ({@link VerifiedStaples}) under a digest of the response, the certificate and its issuer;
     * the checks that do (the response's dates and a responder certificate's validity) run every
     * time. A response that failed a check is not kept, and is checked in full when seen again.
     */
    OcspStatus verifyStaple(byte[] der, X509Certificate cert, X509Certificate issuer, Instant now,
                            OcspStatus.Source source) {
        if (der == null || der.length == 0 || der.length > maxBytes) {
            return verify(der, cert, issuer, null, now, source);
        }
        String subject = subject(cert);
        try {
            byte[] key;
            try {
                key = VerifiedStaples.key(der, cert, issuer);
            } catch (java.security.cert.CertificateEncodingException e) {
                return verify(der, cert, issuer, null, now, source);
            }
            Signed signed = staples.get(key);
            if (signed == null) {
                signed = signed(der, cert, issuer, null, now);
                staples.put(key, signed);
            } else {
                signed.signer.checkAt(now);
            }
            return signed.at(now, skew, maxAge, source, subject);
        } catch (Unusable e) {
            return OcspStatus.softFailure(source, subject, e.getMessage(), null);
        }
    }

    /** What a response proved apart from the time: its answer for one certificate, and who signed it. Immutable. */
    static final class Signed {
        final Signer signer;
        final CertificateStatus status;
        final Instant thisUpdate;
        final Instant nextUpdate;

        Signed(Signer signer, CertificateStatus status, Instant thisUpdate, Instant nextUpdate) {
            this.signer = signer;
            this.status = status;
            this.thisUpdate = thisUpdate;
            this.nextUpdate = nextUpdate;
        }

        /** The verdict at {@code now}: the response's dates against the clock, then its status. */
        OcspStatus at(Instant now, Duration skew, Duration maxAge, OcspStatus.Source source, String subject) throws Unusable {
            if (thisUpdate.isAfter(now.plus(skew))) {
                throw new Unusable("the response is dated in the future: thisUpdate " + thisUpdate + " is after now (" + now
                        + ") plus the allowed skew of " + skew.toSeconds() + " s");
            }
            Instant validUntil;
            if (nextUpdate != null) {
                if (nextUpdate.isBefore(thisUpdate)) {
                    throw new Unusable("nextUpdate " + nextUpdate + " is before thisUpdate " + thisUpdate);
                }
                if (nextUpdate.isBefore(now.minus(skew))) {
                    throw new Unusable("the response has expired: nextUpdate " + nextUpdate + " is before now (" + now
                            + ") less the allowed skew of " + skew.toSeconds() + " s");
                }
                validUntil = nextUpdate;
            } else {
                validUntil = thisUpdate.plus(maxAge);
                if (validUntil.isBefore(now.minus(skew))) {
                    throw new Unusable("the response has no nextUpdate and its thisUpdate " + thisUpdate
                            + " is older than the maximum age of " + maxAge.toSeconds() + " s");
                }
            }
            if (status == CertificateStatus.GOOD) {
                return new OcspStatus(OcspStatus.Result.GOOD, source, subject, null, thisUpdate, nextUpdate, validUntil)
                        .signedUntil(signer.cert.getNotAfter().toInstant());
            }
            if (status instanceof RevokedStatus) {
                RevokedStatus r = (RevokedStatus) status;
                String reason = r.hasRevocationReason() ? reasonName(r.getRevocationReason()) : "no reason given";
                String detail = reason + ", since " + r.getRevocationTime().toInstant();
                return new OcspStatus(OcspStatus.Result.REVOKED, source, subject, detail, thisUpdate, nextUpdate, validUntil);
            }
            if (status instanceof UnknownStatus) {
                return new OcspStatus(OcspStatus.Result.UNKNOWN, source, subject, "the responder does not know the certificate",
                        thisUpdate, nextUpdate, validUntil);
            }
            throw new Unusable("the certificate status is of an unknown kind");
        }
    }

    /** The certificate that signed a response, and how it came to be allowed to. */
    static final class Signer {
        enum Kind { ISSUER, TRUSTED, DELEGATED }

        final X509Certificate cert;
        final Kind kind;

        Signer(X509Certificate cert, Kind kind) {
            this.cert = cert;
            this.kind = kind;
        }

        /**
         * A responder certificate's validity at {@code now}, as {@link #authorizedSigner} checks it
         * (the issuer signing for its own certificates is not dated there either).
         */
        void checkAt(Instant now) throws Unusable {
            if (kind == Kind.ISSUER || validAt(cert, now)) {
                return;
            }
            throw new Unusable(kind == Kind.TRUSTED ? trustedNotValid(cert) : notAuthorized(cert, notValidNow(cert)));
        }
    }

    private Signed signed(byte[] der, X509Certificate cert, X509Certificate issuer, byte[] nonce, Instant now)
            throws Unusable {
        try {
            return checked(der, cert, issuer, nonce, now);
        } catch (RuntimeException malformed) {
            // Bouncy Castle parses parts of a response lazily (a responder ID's name when it is
            // first printed or compared): whatever part cannot be read makes the response unusable.
            throw new Unusable("the response cannot be read: " + malformed.getMessage());
        }
    }

    private Signed checked(byte[] der, X509Certificate cert, X509Certificate issuer, byte[] nonce, Instant now)
            throws Unusable {
        if (der == null || der.length == 0) {
            throw new Unusable("no response");
        }
        if (der.length > maxBytes) {
            throw new Unusable("the response has " + der.length + " bytes, more than the limit of " + maxBytes);
        }
        OCSPResp resp;
        try {
            resp = new OCSPResp(der);
        } catch (IOException | RuntimeException e) {
            throw new Unusable("not an OCSP response: " + e.getMessage());
        }
        if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
            throw new Unusable("the responder answered " + statusName(resp.getStatus()) + " instead of successful");
        }
        Object body;
        try {
            body = resp.getResponseObject();
        } catch (OCSPException | RuntimeException e) {
            throw new Unusable("the response body cannot be read: " + e.getMessage());
        }
        if (!(body instanceof BasicOCSPResp)) {
            throw new Unusable("the response is not a basic OCSP response (id-pkix-ocsp-basic)");
        }
        BasicOCSPResp basic = (BasicOCSPResp) body;
        if (basic.getVersion() != 1) {
            throw new Unusable("the response has version " + basic.getVersion() + ", only v1 is defined");
        }
        checkCriticalExtensions(basic.getCriticalExtensionOIDs(), "the response");
        Signer signer = authorizedSigner(basic, issuer, now);
        try {
            if (!basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(signer.cert.getPublicKey()))) {
                throw new Unusable("the signature does not verify with the key of " + subject(signer.cert));
            }
        } catch (OCSPException | OperatorCreationException | RuntimeException e) {
            throw new Unusable("the signature cannot be verified: " + e.getMessage());
        }
        if (nonce != null) {
            Extension sent = basic.getExtension(NONCE);
            if (sent == null) {
                throw new Unusable("the request carried a nonce but the response has none");
            }
            if (!Arrays.equals(sent.getExtnValue().getOctets(), nonce)) {
                throw new Unusable("the response's nonce differs from the request's");
            }
        }
        SingleResp single = matching(basic, cert, issuer);
        checkCriticalExtensions(single.getCriticalExtensionOIDs(), "the single response");
        Instant thisUpdate = single.getThisUpdate().toInstant();
        Instant nextUpdate = single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
        return new Signed(signer, single.getCertStatus(), thisUpdate, nextUpdate);
    }

    /**
     * Whether a successful basic response holds a SingleResponse for {@code cert} at all: the
     * resolver asks again for what a response left out. Nothing here is verified.
     */
    static boolean hasAnswerFor(byte[] der, X509Certificate cert, X509Certificate issuer) {
        try {
            OCSPResp resp = new OCSPResp(der);
            if (resp.getStatus() != OCSPResp.SUCCESSFUL || !(resp.getResponseObject() instanceof BasicOCSPResp)) {
                return false;
            }
            for (SingleResp single : ((BasicOCSPResp) resp.getResponseObject()).getResponses()) {
                OcspCertId id = OcspCertId.of(cert, issuer, single.getCertID().getHashAlgOID());
                if (id != null && id.matches(single.getCertID())) {
                    return true;
                }
            }
            return false;
        } catch (IOException | OCSPException | RuntimeException e) {
            return false;
        }
    }

    private static void checkCriticalExtensions(Set<?> critical, String where) throws Unusable {
        for (Object oid : critical) {
            if (!KNOWN_RESPONSE_EXTENSIONS.contains(oid)) {
                throw new Unusable(where + " has an unknown critical extension " + oid);
            }
        }
    }

    /** The one SingleResponse whose certID matches on all four fields; several that disagree are refused. */
    private static SingleResp matching(BasicOCSPResp basic, X509Certificate cert, X509Certificate issuer) throws Unusable {
        SingleResp found = null;
        for (SingleResp single : basic.getResponses()) {
            OcspCertId id = OcspCertId.of(cert, issuer, single.getCertID().getHashAlgOID());
            if (id == null || !id.matches(single.getCertID())) {
                continue;
            }
            if (found != null && !sameStatus(found.getCertStatus(), single.getCertStatus())) {
                throw new Unusable("the response answers twice, differently, for " + subject(cert));
            }
            if (found == null || isRevoked(single)) {
                found = single;
            }
        }
        if (found == null) {
            throw new Unusable("the response has no answer for " + subject(cert) + " (serial "
                    + cert.getSerialNumber().toString(16) + " issued by " + subject(issuer) + ")");
        }
        return found;
    }

    private static boolean isRevoked(SingleResp s) {
        return s.getCertStatus() instanceof RevokedStatus;
    }

    private static boolean sameStatus(CertificateStatus a, CertificateStatus b) {
        if (a == CertificateStatus.GOOD || b == CertificateStatus.GOOD) {
            return a == b;
        }
        return a.getClass() == b.getClass();
    }

    /**
     * The certificate that signed the response, when it may: the issuer itself, a responder
     * certificate issued directly by the issuer for OCSP signing and valid now, or a locally
     * trusted responder; and the responder ID must name it.
     */
    private Signer authorizedSigner(BasicOCSPResp basic, X509Certificate issuer, Instant now) throws Unusable {
        ResponderID rid = basic.getResponderId().toASN1Primitive();
        if (namedBy(rid, issuer)) {
            return new Signer(issuer, Signer.Kind.ISSUER);
        }
        for (X509Certificate trusted : trustedResponders) {
            if (namedBy(rid, trusted)) {
                if (!validAt(trusted, now)) {
                    throw new Unusable(trustedNotValid(trusted));
                }
                return new Signer(trusted, Signer.Kind.TRUSTED);
            }
        }
        for (X509CertificateHolder holder : basic.getCerts()) {
            X509Certificate c = toX509(holder);
            if (c == null || !namedBy(rid, c)) {
                continue;
            }
            String why = whyNotDelegated(c, issuer, now);
            if (why != null) {
                throw new Unusable(notAuthorized(c, why));
            }
            return new Signer(c, Signer.Kind.DELEGATED);
        }
        throw new Unusable("the responder ID " + describe(rid) + " names neither the issuer " + subject(issuer)
                + " nor a responder certificate included in the response or trusted locally");
    }

    private static String trustedNotValid(X509Certificate trusted) {
        return "the locally trusted responder " + subject(trusted) + " is not valid now";
    }

    private static String notAuthorized(X509Certificate c, String why) {
        return "the response is signed by " + subject(c) + ", which is not authorized: " + why;
    }

    private static String notValidNow(X509Certificate c) {
        return "it is not valid now (" + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant() + ")";
    }

    /** Why {@code c} may not sign for {@code issuer}'s certificates (RFC 6960 section 4.2.2.2), or {@code null}. */
    private static String whyNotDelegated(X509Certificate c, X509Certificate issuer, Instant now) {
        if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return "it was issued by '" + c.getIssuerX500Principal().getName() + "', not by the certificate's issuer";
        }
        try {
            c.verify(issuer.getPublicKey());
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return "it is not signed by the issuer's key";
        }
        List<String> eku;
        try {
            eku = c.getExtendedKeyUsage();
        } catch (CertificateException e) {
            return "its extendedKeyUsage cannot be read";
        }
        if (eku == null || !eku.contains(OCSP_SIGNING.getId())) {
            return "it lacks id-kp-OCSPSigning in extendedKeyUsage";
        }
        if (!validAt(c, now)) {
            return notValidNow(c);
        }
        Set<String> critical = c.getCriticalExtensionOIDs();
        if (critical != null) {
            for (String oid : critical) {
                if (!KNOWN_CERT_CRITICAL.contains(oid)) {
                    return "it has an unknown critical extension " + oid;
                }
            }
        }
        return null;
    }

    private static boolean validAt(X509Certificate c, Instant now) {
        Date d = Date.from(now);
        return !d.before(c.getNotBefore()) && !d.after(c.getNotAfter());
    }

    static boolean namedBy(ResponderID rid, X509Certificate c) {
        byte[] keyHash = rid.getKeyHash();
        if (keyHash != null) {
            MessageDigest sha1 = OcspCertId.digest("SHA-1");
            return Arrays.equals(keyHash, sha1.digest(OcspCertId.publicKeyBits(c)));
        }
        X500Name name = rid.getName();
        return name != null && X500Name.getInstance(c.getSubjectX500Principal().getEncoded()).equals(name);
    }

    private static String describe(ResponderID rid) {
        if (rid.getKeyHash() != null) {
            return "(key hash " + java.util.HexFormat.of().formatHex(rid.getKeyHash()) + ")";
        }
        try {
            return "'" + rid.getName() + "'";
        } catch (RuntimeException unreadable) {
            // A name Bouncy Castle cannot print (a UTF8String that is not UTF-8) must still end in a verdict.
            return "(a name that cannot be read: " + unreadable.getMessage() + ")";
        }
    }

    private static X509Certificate toX509(X509CertificateHolder holder) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(holder.getEncoded()));
        } catch (CertificateException | IOException e) {
            return null;
        }
    }

    static String subject(X509Certificate c) {
        return "'" + CertificateFields.oneline(c.getSubjectX500Principal()) + "'";
    }

    static String statusName(int status) {
        switch (status) {
            case OCSPResp.SUCCESSFUL:
                return "successful";
            case OCSPResp.MALFORMED_REQUEST:
                return "malformedRequest";
            case OCSPResp.INTERNAL_ERROR:
                return "internalError";
            case OCSPResp.TRY_LATER:
                return "tryLater";
            case OCSPResp.SIG_REQUIRED:
                return "sigRequired";
            case OCSPResp.UNAUTHORIZED:
                return "unauthorized";
            default:
                return "status " + status;
        }
    }

    static String reasonName(int reason) {
        String[] names = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
            "cessationOfOperation", "certificateHold", "unused (7)", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
        return reason >= 0 && reason < names.length ? names[reason] : "reason " + reason;
    }
}
