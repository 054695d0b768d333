package org.nettytls.ocsp;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.nettytls.cert.HeldCertificate;

/**
 * Crafts OCSP responses with Bouncy Castle for tests, right or wrong on purpose: any status,
 * times, signer, responder ID, certID fields, extensions.
 */
public final class Responses {
    private X509Certificate cert;
    private X509Certificate issuer;
    private CertificateStatus status = CertificateStatus.GOOD;
    private Instant thisUpdate = Instant.now().minusSeconds(60);
    private Instant nextUpdate = Instant.now().plusSeconds(3600);
    private boolean noNextUpdate;
    private HeldCertificate signer;
    private boolean includeSigner = true;
    private X509Certificate responderIdFor;
    private boolean responderIdByKey;
    private BigInteger serialOverride;
    private X509Certificate issuerOverride;
    private ASN1ObjectIdentifier hashAlgorithm = CertificateID.HASH_SHA1.getAlgorithm();
    private final List<Extension> responseExtensions = new ArrayList<>();
    private final List<CertificateID> extraIds = new ArrayList<>();
    private boolean answerSubject = true;

    public static Responses forCert(HeldCertificate cert, HeldCertificate issuer) {
        Responses r = new Responses();
        r.cert = cert.certificate();
        r.issuer = issuer.certificate();
        r.signer = issuer;
        return r;
    }

    public Responses good() {
        status = CertificateStatus.GOOD;
        return this;
    }

    public Responses revoked(int reason) {
        status = new RevokedStatus(Date.from(Instant.now().minusSeconds(3600)), reason);
        return this;
    }

    public Responses unknown() {
        status = new UnknownStatus();
        return this;
    }

    public Responses times(Instant thisUpdate, Instant nextUpdate) {
        this.thisUpdate = thisUpdate;
        this.nextUpdate = nextUpdate;
        this.noNextUpdate = nextUpdate == null;
        return this;
    }

    public Responses signedBy(HeldCertificate signer) {
        this.signer = signer;
        return this;
    }

    public Responses includeSigner(boolean on) {
        this.includeSigner = on;
        return this;
    }

    public Responses responderIdFor(X509Certificate named) {
        this.responderIdFor = named;
        return this;
    }

    public Responses responderIdByKey() {
        this.responderIdByKey = true;
        return this;
    }

    public Responses serial(BigInteger serial) {
        this.serialOverride = serial;
        return this;
    }

    /** Computes the certID's issuer hashes from another certificate. */
    public Responses issuerForId(X509Certificate other) {
        this.issuerOverride = other;
        return this;
    }

    public Responses sha256Id() {
        this.hashAlgorithm = new ASN1ObjectIdentifier("2.16.840.1.101.3.4.2.1");
        return this;
    }

    public Responses extension(String oid, boolean critical, byte[] value) throws Exception {
        responseExtensions.add(new Extension(new ASN1ObjectIdentifier(oid), critical, new DEROctetString(value)));
        return this;
    }

    public Responses nonce(byte[] extnValue) {
        responseExtensions.add(new Extension(org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, extnValue));
        return this;
    }

    /** Also answers for another certificate (listed first). */
    public Responses alsoFor(X509Certificate other, X509Certificate otherIssuer) throws Exception {
        extraIds.add(new CertificateID(digest(), new JcaX509CertificateHolder(otherIssuer), other.getSerialNumber()));
        return this;
    }

    /** Leaves the subject's own answer out. */
    public Responses withoutSubject() {
        this.answerSubject = false;
        return this;
    }

    private DigestCalculator digest() throws Exception {
        return new JcaDigestCalculatorProviderBuilder().build()
                .get(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(hashAlgorithm));
    }

    public byte[] build() throws Exception {
        X509Certificate idIssuer = issuerOverride != null ? issuerOverride : issuer;
        CertificateID id = new CertificateID(digest(), new JcaX509CertificateHolder(idIssuer),
                serialOverride != null ? serialOverride : cert.getSerialNumber());
        X509Certificate named = responderIdFor != null ? responderIdFor : signer.certificate();
        RespID rid = responderIdByKey
                ? new RespID(org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(named.getPublicKey().getEncoded()),
                        new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1))
                : new RespID(new JcaX509CertificateHolder(named).getSubject());
        BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(rid);
        Date next = noNextUpdate ? null : Date.from(nextUpdate);
        for (CertificateID extra : extraIds) {
            b.addResponse(extra, CertificateStatus.GOOD, Date.from(thisUpdate), next, null);
        }
        if (answerSubject) {
            b.addResponse(id, status, Date.from(thisUpdate), next, null);
        }
        if (!responseExtensions.isEmpty()) {
            b.setResponseExtensions(new Extensions(responseExtensions.toArray(new Extension[0])));
        }
        PrivateKey key = signer.privateKey();
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        X509CertificateHolder[] chain = includeSigner
                ? new X509CertificateHolder[] {new JcaX509CertificateHolder(signer.certificate())}
                : null;
        return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL,
                b.build(new JcaContentSignerBuilder(alg).build(key), chain, new Date())).getEncoded();
    }

    /** An unsuccessful response with the given status (1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized). */
    public static byte[] unsuccessful(int status) throws Exception {
        return new OCSPRespBuilder().build(status, null).getEncoded();
    }

    public static OCSPResp parse(byte[] der) throws Exception {
        return new OCSPResp(der);
    }
}
