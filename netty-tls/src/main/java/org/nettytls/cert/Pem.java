package org.nettytls.cert;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/** Writing PEM (RFC 7468). Reading lives in {@link CertificateLoader}, the one loader for every format. */
public final class Pem {
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /**
     * One PEM block of the given label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) around {@code der}.
     *
     * @param label the block's label
     * @param der the content
     * @return the PEM text
     */
    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + MIME.encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /**
     * The certificate as a {@code CERTIFICATE} block.
     *
     * @param certificate the certificate
     * @return the PEM text
     */
    public static String certificate(X509Certificate certificate) {
        try {
            return encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    /**
     * The certificates, in order, as concatenated {@code CERTIFICATE} blocks.
     *
     * @param certificates the certificates
     * @return the PEM text
     */
    public static String certificates(List<X509Certificate> certificates) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certificates) {
            sb.append(certificate(c));
        }
        return sb.toString();
    }

    /**
     * The key as an unencrypted PKCS#8 {@code PRIVATE KEY} block. An EC key carries its public key
     * inside, as OpenSSL writes it: the JDK's encoding leaves the optional public key out, and
     * GnuTLS (3.7's {@code certtool}, {@code gnutls-serv}) cannot read such a key.
     *
     * @param key the key
     * @return the PEM text; a secret
     */
    public static String privateKey(PrivateKey key) {
        byte[] der = key.getEncoded();
        if (der == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key has no PKCS#8 encoding (format " + key.getFormat() + ")");
        }
        return encode("PRIVATE KEY", withEcPublicKey(der));
    }

    /** {@code pkcs8} with the public key added when it is an EC key without one; other keys unchanged. */
    static byte[] withEcPublicKey(byte[] pkcs8) {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(pkcs8);
        AlgorithmIdentifier algorithm = info.getPrivateKeyAlgorithm();
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm.getAlgorithm())) {
            return pkcs8;
        }
        try {
            ECPrivateKey ec = ECPrivateKey.getInstance(info.parsePrivateKey());
            if (ec.getPublicKey() != null) {
                return pkcs8;
            }
            ASN1Encodable parameters = algorithm.getParameters();
            X9ECParameters curve = parameters instanceof ASN1ObjectIdentifier
                    ? ECNamedCurveTable.getByOID((ASN1ObjectIdentifier) parameters)
                    : X9ECParameters.getInstance(parameters);
            if (curve == null) {
                throw new IllegalArgumentException("EC private key on an unknown curve " + parameters);
            }
            ECPoint q = new FixedPointCombMultiplier().multiply(curve.getG(), ec.getKey()).normalize();
            ECPrivateKey full = new ECPrivateKey(curve.getN().bitLength(), ec.getKey(), new DERBitString(q.getEncoded(false)),
                    ec.getParametersObject());
            return new PrivateKeyInfo(algorithm, full, info.getAttributes()).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalArgumentException("EC private key cannot be encoded: " + e.getMessage(), e);
        }
    }
}
