package org.nettytls.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.nettytls.internal.IpLiterals;

/**
 * Self-signed certificates with exactly the subject CN and subjectAltNames a test asks for, including
 * the malformed ones peers send (a CN with a NUL, a dNSName with non-ASCII bytes or spaces): the
 * point is to feed the verifier what is on the wire, so nothing here validates. Public for the
 * examples module, whose command-line tests replay the same vectors.
 */
public final class TestCertificates {
    private static final KeyPair KEY = newKey();
    private static final AtomicLong SERIAL = new AtomicLong(1);

    private TestCertificates() {
    }

    private static KeyPair newKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A certificate with subject {@code CN=cn} ({@code null}: no CN at all) and the given SANs,
     * each {@code DNS:value} (value's UTF-8 bytes in the IA5String, unchecked) or {@code IP:address}
     * (IPv4 dotted or IPv6 text, or raw {@code IP:#hex}). No SANs: no extension.
     */
    public static X509Certificate mint(String cn, List<String> sans) {
        try {
            // RDNs built directly: X500NameBuilder would refuse a CN over 64 characters, and peers send them.
            List<RDN> rdns = new ArrayList<>();
            rdns.add(new RDN(BCStyle.O, new DERUTF8String("netty-tls test")));
            if (cn != null) {
                rdns.add(new RDN(BCStyle.CN, new DERUTF8String(cn)));
            }
            X500Name name = new X500Name(rdns.toArray(new RDN[0]));
            long now = System.currentTimeMillis();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.getAndIncrement()),
                    new Date(now - 3_600_000L), new Date(now + 86_400_000L), name, KEY.getPublic());
            if (!sans.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String san : sans) {
                    names.add(generalName(san));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(KEY.getPrivate());
            byte[] der = b.build(signer).getEncoded();
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot mint certificate CN=" + cn + " SAN=" + sans, e);
        }
    }

    static X509Certificate mint(String cn, String... sans) {
        return mint(cn, List.of(sans));
    }

    /** {@code "DNS:a;IP:b"} as the vectors write it; each item split at its first colon. */
    public static List<String> splitSans(String column) {
        List<String> out = new ArrayList<>();
        if (!column.isEmpty()) {
            for (String item : column.split(";", -1)) {
                out.add(item);
            }
        }
        return out;
    }

    private static GeneralName generalName(String san) throws IOException {
        int colon = san.indexOf(':');
        String type = san.substring(0, colon);
        String value = san.substring(colon + 1);
        if (type.equals("DNS")) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            byte[] der = new byte[bytes.length + (bytes.length < 128 ? 2 : 3)];
            der[0] = 0x16;
            int pos = 1;
            if (bytes.length >= 128) {
                der[pos++] = (byte) 0x81;
            }
            der[pos++] = (byte) bytes.length;
            System.arraycopy(bytes, 0, der, pos, bytes.length);
            return new GeneralName(GeneralName.dNSName, ASN1Primitive.fromByteArray(der));
        }
        if (type.equals("IP")) {
            return new GeneralName(GeneralName.iPAddress, new DEROctetString(address(value)));
        }
        throw new IllegalArgumentException("unsupported SAN type in test: " + san);
    }

    static byte[] address(String text) {
        if (text.startsWith("#")) {
            return java.util.HexFormat.of().parseHex(text.substring(1));
        }
        if (text.indexOf(':') >= 0) {
            byte[] v6 = IpLiterals.ipv6(text);
            if (v6 == null) {
                throw new IllegalArgumentException("bad IPv6 in test: " + text);
            }
            return v6;
        }
        String[] parts = text.split("\\.");
        byte[] v4 = new byte[4];
        for (int i = 0; i < 4; i++) {
            v4[i] = (byte) Integer.parseInt(parts[i]);
        }
        return v4;
    }

    public static String pem(X509Certificate cert) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
