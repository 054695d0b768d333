package org.nettytls.cert;

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/** Writing PEM (RFC 7468). Reading lives in {@link CertificateLoader}, the one loader for every format. */
public final class Pem {
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /** One PEM block of the given label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) around {@code der}. */
    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + MIME.encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** The certificate as a {@code CERTIFICATE} block. */
    public static String certificate(X509Certificate certificate) {
        try {
            return encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    /** The certificates, in order, as concatenated {@code CERTIFICATE} blocks. */
    public static String certificates(List<X509Certificate> certificates) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certificates) {
            sb.append(certificate(c));
        }
        return sb.toString();
    }

    /** The key as an unencrypted PKCS#8 {@code PRIVATE KEY} block. */
    public static String privateKey(PrivateKey key) {
        if (key.getEncoded() == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key has no PKCS#8 encoding (format " + key.getFormat() + ")");
        }
        return encode("PRIVATE KEY", key.getEncoded());
    }
}
