package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;

/**
 * CRL distribution points that must not decide: a CRL limited to another distribution point, an
 * expired one, one signed by another key under the issuer's name, one larger than the limit, and
 * a distribution point that cannot be reached. Each is a soft result, never good and never
 * revoked, even for a certificate whose serial the bad CRL lists.
 */
class CrlDistributionPointTest {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    TestResponder server;
    HeldCertificate ca;
    HeldCertificate listed;
    Instant now = Instant.now();

    @BeforeEach
    void pki() throws Exception {
        server = new TestResponder(req -> null);
        ca = HeldCertificate.builder().commonName("CRL DP Test CA").certificateAuthority(0).build();
        listed = leaf(51, server.base() + "/crl/ca.crl");
    }

    @AfterEach
    void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    HeldCertificate leaf(int serial, String crlUrl) throws Exception {
        return HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(serial)).crlUrl(crlUrl)
                .signedBy(ca).build();
    }

    /** The CRL-only resolution of {@code cert} with a fresh configuration (so nothing is cached from another case). */
    OcspResolver resolve(HeldCertificate cert, OcspClientConfig.Builder config) throws Exception {
        return OcspResolver.forChain(List.of(cert.certificate(), ca.certificate()),
                config.crlDistributionPoints(OcspClientConfig.CrlUse.ONLY).build())
                .resolve(group.next(), NioSocketChannel.class).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
    }

    /** {@link #resolve}'s status of a CRL that must not decide: no hard error. */
    OcspStatus check(HeldCertificate cert, OcspClientConfig.Builder config) throws Exception {
        OcspResolver r = resolve(cert, config);
        assertEquals("", r.hardError(), "a CRL that cannot decide is no hard error");
        return r.statuses().get(0);
    }

    void assertRevoked(HeldCertificate cert, OcspClientConfig.Builder config) throws Exception {
        OcspResolver r = resolve(cert, config);
        assertTrue(r.hardError().contains("revoked"), r.hardError());
        assertEquals(OcspStatus.Result.REVOKED, r.statuses().get(0).result());
    }

    static void assertSoft(OcspStatus s, String why) {
        assertEquals(OcspStatus.Result.SOFT_FAILURE, s.result(), s.toString());
        assertEquals(OcspStatus.Source.CRL, s.source(), s.toString());
        assertTrue(s.detail().contains(why), "expected '" + why + "' in: " + s.detail());
    }

    @Test
    void theListedCertificateIsRevokedByAGoodCrlSoTheCasesBelowAreMeaningful() throws Exception {
        server.crl = ca.crl(Map.of(BigInteger.valueOf(51), 1), now.minusSeconds(60), now.plusSeconds(3600)).getEncoded();
        assertRevoked(listed, OcspClientConfig.builder());
    }

    @Test
    void aCrlLimitedToAnotherDistributionPointDoesNotDecide() throws Exception {
        IssuingDistributionPoint elsewhere = new IssuingDistributionPoint(new DistributionPointName(new GeneralNames(
                new GeneralName(GeneralName.uniformResourceIdentifier, "http://elsewhere.test/other.crl"))),
                false, false, null, false, false);
        server.crl = crl(ca, Map.of(BigInteger.valueOf(51), 1), now.minusSeconds(60), now.plusSeconds(3600), elsewhere)
                .getEncoded();
        assertSoft(check(listed, OcspClientConfig.builder()), "is limited to the distribution point");
    }

    @Test
    void anExpiredCrlDoesNotDecide() throws Exception {
        server.crl = ca.crl(Map.of(BigInteger.valueOf(51), 1), now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)))
                .getEncoded();
        assertSoft(check(listed, OcspClientConfig.builder()), "expired");
    }

    @Test
    void aCrlSignedByAnotherKeyUnderTheIssuersNameDoesNotDecide() throws Exception {
        HeldCertificate impostor = HeldCertificate.builder().commonName("CRL DP Test CA").certificateAuthority(0).build();
        server.crl = impostor.crl(Map.of(BigInteger.valueOf(51), 1), now.minusSeconds(60), now.plusSeconds(3600))
                .getEncoded();
        OcspStatus s = check(listed, OcspClientConfig.builder());
        assertEquals(OcspStatus.Result.SOFT_FAILURE, s.result(), "a forged revocation is not believed either: " + s);
        assertSoft(check(leaf(52, server.base() + "/crl/ca.crl"), OcspClientConfig.builder()), "no usable CRL");
    }

    @Test
    void aCrlLargerThanTheLimitIsNotRead() throws Exception {
        Map<BigInteger, Integer> many = new HashMap<>();
        for (int i = 1000; i < 1400; i++) {
            many.put(BigInteger.valueOf(i), 1);
        }
        many.put(BigInteger.valueOf(51), 1);
        server.crl = ca.crl(many, now.minusSeconds(60), now.plusSeconds(3600)).getEncoded();
        assertTrue(server.crl.length > 8 * 1024, "the CRL has " + server.crl.length + " bytes");
        assertSoft(check(listed, OcspClientConfig.builder().maxCrlBytes(8 * 1024)), "no usable CRL");
        // The same CRL under the default limit decides.
        assertRevoked(listed, OcspClientConfig.builder());
    }

    @Test
    void anUnreachableDistributionPointIsASoftResultWithinTheTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HeldCertificate unreachable = leaf(53, "http://127.0.0.1:" + closed + "/ca.crl");
        assertSoft(check(unreachable, OcspClientConfig.builder().timeout(Duration.ofSeconds(3))), "no usable CRL");
    }

    /** A CRL signed by {@code issuer} with an issuingDistributionPoint (critical, as RFC 5280 requires). */
    static X509CRL crl(HeldCertificate issuer, Map<BigInteger, Integer> revoked, Instant thisUpdate, Instant nextUpdate,
                       IssuingDistributionPoint idp) throws Exception {
        X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(
                issuer.certificate().getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
        b.setNextUpdate(Date.from(nextUpdate));
        for (Map.Entry<BigInteger, Integer> e : revoked.entrySet()) {
            b.addCRLEntry(e.getKey(), Date.from(thisUpdate), e.getValue());
        }
        b.addExtension(Extension.issuingDistributionPoint, true, idp);
        String alg = issuer.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder(alg).build(issuer.privateKey())));
    }
}
