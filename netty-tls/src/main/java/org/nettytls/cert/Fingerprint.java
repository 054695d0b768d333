package org.nettytls.cert;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * Certificate and public-key fingerprints, as IO::Socket::SSL's {@code get_fingerprint} and
 * {@code get_fingerprint_bin} compute them.
 *
 * <p>The certificate form hashes the whole DER certificate. The public-key form ({@code pub})
 * hashes the <em>contents of the subjectPublicKey BIT STRING</em>, not the whole
 * SubjectPublicKeyInfo, taken from the certificate's own DER (never the provider's re-encoding
 * of the key, which may differ: a compressed EC point is re-encoded uncompressed): this is what
 * the reference does, and pins made with it must match ours.
 * (It is not the HPKP/{@code pin-sha256} form, which hashes the whole SubjectPublicKeyInfo.)
 */
public final class Fingerprint {
    /** The default digest, as in the reference. */
    public static final String DEFAULT_ALGORITHM = "sha256";

    private Fingerprint() {
    }

    /**
     * The binary fingerprint of {@code certificate} with the digest {@code algorithm} (any JDK
     * name, written as the reference writes them: {@code sha256}, {@code sha1}, {@code md5},
     * {@code sha512}, {@code sha3-256}, ...).
     *
     * @param certificate the certificate
     * @param algorithm the digest's name, e.g. {@code sha256}
     * @param publicKey {@code true} to digest the SubjectPublicKeyInfo alone
     * @return the digest
     * @throws TlsException ({@code BAD_CONFIGURATION}) for an unknown algorithm, ({@code BAD_INPUT})
     *     for a certificate that cannot be encoded
     */
    public static byte[] binary(X509Certificate certificate, String algorithm, boolean publicKey) throws TlsException {
        MessageDigest digest = digest(algorithm);
        byte[] der;
        try {
            der = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new TlsException(TlsErrorCode.BAD_INPUT, "certificate cannot be encoded: " + e.getMessage(), e);
        }
        if (!publicKey) {
            return digest.digest(der);
        }
        // The key bits as the certificate holds them: getPublicKey().getEncoded() is the
        // provider's re-encoding (a compressed EC point comes back uncompressed, say), and the
        // reference's X509_pubkey_digest hashes the certificate's own bytes.
        SubjectPublicKeyInfo spki;
        try {
            spki = Certificate.getInstance(der).getSubjectPublicKeyInfo();
        } catch (IllegalArgumentException e) {
            throw new TlsException(TlsErrorCode.BAD_INPUT, "certificate's public key cannot be read: " + e.getMessage(), e);
        }
        return digest.digest(spki.getPublicKeyData().getBytes());
    }

    /**
     * The printable fingerprint, {@code algo$hex} for the certificate or {@code algo$pub$hex} for
     * the public key, lower-case hex without separators, as {@code SSL_fingerprint} takes it.
     *
     * @param certificate the certificate
     * @param algorithm the digest's name, e.g. {@code sha256}
     * @param publicKey {@code true} to digest the SubjectPublicKeyInfo alone
     * @return the fingerprint as a pin
     * @throws TlsException as {@link #binary}
     */
    public static String of(X509Certificate certificate, String algorithm, boolean publicKey) throws TlsException {
        String algo = algorithm.toLowerCase(Locale.ROOT);
        return algo + (publicKey ? "$pub$" : "$") + HexFormat.of().formatHex(binary(certificate, algo, publicKey));
    }

    /**
     * {@code sha256$hex} of the whole certificate.
     *
     * @param certificate the certificate
     * @return the fingerprint as a pin
     * @throws TlsException ({@code BAD_INPUT}) for a certificate that cannot be encoded
     */
    public static String of(X509Certificate certificate) throws TlsException {
        return of(certificate, DEFAULT_ALGORITHM, false);
    }

    /**
     * A JDK digest for the reference's algorithm name; unknown names are a configuration error.
     *
     * @param algorithm the reference's name, e.g. {@code sha256}
     * @return a new digest
     * @throws TlsException ({@code BAD_CONFIGURATION}) for an algorithm the JDK does not know
     */
    public static MessageDigest digest(String algorithm) throws TlsException {
        String name = jdkName(algorithm);
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION,
                    "SSL_fingerprint: digest '" + algorithm + "' is not available (expected e.g. sha256, sha1, md5)", e);
        }
    }

    /** Maps {@code sha256} to {@code SHA-256}, {@code sha3-256} to {@code SHA3-256}, {@code md5} to {@code MD5}. */
    static String jdkName(String algorithm) {
        String a = algorithm.toUpperCase(Locale.ROOT);
        if (a.matches("SHA[0-9]+") && !a.equals("SHA1")) {
            return "SHA-" + a.substring(3);
        }
        if (a.equals("SHA1")) {
            return "SHA-1";
        }
        if (a.matches("SHA512[_/]?(224|256)")) {
            return "SHA-512/" + a.substring(a.length() - 3);
        }
        return a;
    }
}
