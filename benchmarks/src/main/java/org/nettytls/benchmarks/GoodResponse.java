package org.nettytls.benchmarks;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.nettytls.cert.HeldCertificate;

/**
 * A "good" OCSP response for a certificate, signed by its issuer itself (RFC 6960's simplest
 * authorized responder), valid from a minute ago for a day: what a server staples in the
 * benchmarks and what the client-side staple check verifies.
 */
public final class GoodResponse {
    private GoodResponse() {
    }

    public static byte[] of(X509Certificate cert, HeldCertificate issuer) throws Exception {
        JcaX509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer.certificate());
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                issuerHolder, cert.getSerialNumber());
        BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(issuerHolder.getSubject()));
        Instant now = Instant.now();
        b.addResponse(id, CertificateStatus.GOOD, Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(86_400)), null);
        String algorithm = issuer.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL,
                b.build(new JcaContentSignerBuilder(algorithm).build(issuer.privateKey()), new X509CertificateHolder[0],
                        Date.from(now))).getEncoded();
    }
}
