package org.nettytls.ocsp;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * The identity of a certificate in OCSP (RFC 6960 section 4.1.1): hash algorithm, hash of the
 * issuer's name, hash of the issuer's key, serial number. A response answers for a certificate
 * only when all four match exactly. The {@link #key()} (SHA-256 based, whatever algorithm a
 * response used) is what an {@link OcspCache} is keyed by, stable across processes.
 */
final class OcspCertId {
    static final ASN1ObjectIdentifier SHA1 = OIWObjectIdentifiers.idSHA1;
    private static final Map<ASN1ObjectIdentifier, String> DIGESTS = Map.of(
            OIWObjectIdentifiers.idSHA1, "SHA-1",
            NISTObjectIdentifiers.id_sha256, "SHA-256",
            NISTObjectIdentifiers.id_sha384, "SHA-384",
            NISTObjectIdentifiers.id_sha512, "SHA-512");

    private final ASN1ObjectIdentifier hashAlgorithm;
    private final byte[] issuerNameHash;
    private final byte[] issuerKeyHash;
    private final BigInteger serial;

    private OcspCertId(ASN1ObjectIdentifier hashAlgorithm, byte[] issuerNameHash, byte[] issuerKeyHash, BigInteger serial) {
        this.hashAlgorithm = hashAlgorithm;
        this.issuerNameHash = issuerNameHash;
        this.issuerKeyHash = issuerKeyHash;
        this.serial = serial;
    }

    /** The SHA-256 identity of {@code cert} issued by {@code issuer}: the cache key. */
    public static OcspCertId of(X509Certificate cert, X509Certificate issuer) {
        return of(cert, issuer, NISTObjectIdentifiers.id_sha256);
    }

    /** The identity under {@code hashAlgorithm}; {@code null} when the algorithm is not one OCSP uses. */
    static OcspCertId of(X509Certificate cert, X509Certificate issuer, ASN1ObjectIdentifier hashAlgorithm) {
        String name = DIGESTS.get(hashAlgorithm);
        if (name == null) {
            return null;
        }
        MessageDigest md = digest(name);
        byte[] nameHash = md.digest(issuer.getSubjectX500Principal().getEncoded());
        byte[] keyHash = md.digest(publicKeyBits(issuer));
        return new OcspCertId(hashAlgorithm, nameHash, keyHash, cert.getSerialNumber());
    }

    /** The subjectPublicKey BIT STRING's contents: what issuer key hashes and responder IDs by key hash hash. */
    static byte[] publicKeyBits(X509Certificate cert) {
        return SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded()).getPublicKeyData().getBytes();
    }

    static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + name, e);
        }
    }

    /** Whether {@code id} names this certificate, on all four fields. */
    boolean matches(CertificateID id) {
        return hashAlgorithm.equals(id.getHashAlgOID()) && Arrays.equals(issuerNameHash, id.getIssuerNameHash())
                && Arrays.equals(issuerKeyHash, id.getIssuerKeyHash()) && serial.equals(id.getSerialNumber());
    }

    /** The serial number. */
    public BigInteger serial() {
        return serial;
    }

    /** A stable text key: {@code alg:nameHash:keyHash:serial}, in hex. */
    public String key() {
        HexFormat hex = HexFormat.of();
        return hashAlgorithm.getId() + ":" + hex.formatHex(issuerNameHash) + ":" + hex.formatHex(issuerKeyHash) + ":"
                + serial.toString(16);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OcspCertId)) {
            return false;
        }
        OcspCertId other = (OcspCertId) o;
        return hashAlgorithm.equals(other.hashAlgorithm) && Arrays.equals(issuerNameHash, other.issuerNameHash)
                && Arrays.equals(issuerKeyHash, other.issuerKeyHash) && serial.equals(other.serial);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hashAlgorithm, Arrays.hashCode(issuerNameHash), Arrays.hashCode(issuerKeyHash), serial);
    }

    @Override
    public String toString() {
        return key();
    }
}
