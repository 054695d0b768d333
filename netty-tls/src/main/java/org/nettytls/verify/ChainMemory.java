package org.nettytls.verify;

import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nettytls.internal.DigestMemory;

/**
 * What one {@link TlsTrustManager} has already proven about chains, so that a client reconnecting
 * to the same server (every full handshake and every resumption re-runs every check) does not
 * prove it again: "the certificate with these DER bytes is signed by this public key" and "the
 * JDK's PKIX validator accepted this path under this trusted certificate". Both are keyed by
 * SHA-256 over the exact DER bytes (never by a name or serial), so a certificate with other bytes
 * (another signature over the same contents, another issuer key) is never taken for one proven
 * before. Only successes are remembered; a failure is found again, with its message, every time.
 *
 * <p>Nothing here depends on the clock but the PKIX verdict, and that only through the dates the
 * validator compares: the validity windows, which {@link ChainValidator} checks itself on every
 * handshake before it asks PKIX (a remembered verdict is only consulted when no date failed), and
 * the {@code denyAfter} dates of {@code jdk.certpath.disabledAlgorithms}, which are whole UTC days;
 * so a PKIX verdict is reused only on the UTC day it was reached. Everything else PKIX looks at is
 * in the DER bytes of the path and of the trusted certificate (signatures, basicConstraints,
 * keyUsage, path lengths, policies, critical extensions, key sizes) or in what the JDK reads once
 * per process (the rest of {@code jdk.certpath.disabledAlgorithms}, its list of blocked
 * certificates); the trusted certificate has no name constraints there (they are applied by
 * {@link ChainValidator} every time), and revocation is off there
 * ({@link CrlStore} applies CRLs on every handshake). Dates, extensions, purpose, name constraints
 * (and the name that matched), the security floor, the validation profile, the host name, pins,
 * CRLs and the verify callback are evaluated on every handshake: they are cheap, change with time,
 * or depend on the options, which no fact here records. A fact proven under a lower
 * {@link SecurityFloor} or another {@link ValidationProfile} therefore never accepts a chain those
 * rules refuse (the PKIX verdict is only consulted once every one of them has passed).
 *
 * <p>One memory belongs to one trust manager (one context, one trust store); it is bounded (least
 * recently used first out) and thread-safe.
 */
final class ChainMemory {
    /** A client talks to few chains at a time; 1024 facts (a 32-byte digest each) take about 150 KB at most. */
    static final int DEFAULT_SIZE = 1024;
    /** A memory that remembers nothing, for the verifiers that keep no state. */
    static final ChainMemory NONE = new ChainMemory(0);
    private static final long ANY_DAY = Long.MIN_VALUE;
    private static final byte SIGNATURE = 1;
    private static final byte PKIX = 2;

    private final DigestMemory<Long> facts;

    ChainMemory(int size) {
        this.facts = new DigestMemory<>(size);
    }

    /** Whether {@code cert} is signed by {@code issuer}'s key: remembered, or checked now. */
    boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        return signedBy(cert, issuer, digests());
    }

    /** As {@link #signedBy(X509Certificate, X509Certificate)}, with the digests of one validation. */
    boolean signedBy(X509Certificate cert, X509Certificate issuer, Digests digests) {
        PublicKey key = issuer.getPublicKey();
        Key fact = digests == null ? null : digests.signatureFact(cert, key);
        if (fact != null && knows(fact, ANY_DAY)) {
            return true;
        }
        try {
            cert.verify(key);
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return false;
        }
        if (fact != null) {
            remember(fact, ANY_DAY);
        }
        return true;
    }

    /** The digests for one validation, or {@code null} when this memory keeps nothing. */
    Digests digests() {
        return facts.keeps() ? new Digests() : null;
    }

    /**
     * The key naming "PKIX accepted {@code below} under {@code anchor}", or {@code null} when this
     * memory keeps nothing or a certificate cannot be encoded.
     */
    Key pkixFact(List<X509Certificate> below, X509Certificate anchor) {
        return pkixFact(below, anchor, digests());
    }

    Key pkixFact(List<X509Certificate> below, X509Certificate anchor, Digests digests) {
        return digests == null ? null : digests.pkixFact(below, anchor);
    }

    /** Whether PKIX accepted the path named by {@code fact} on the UTC day of {@code now}. */
    boolean pkixAccepted(Key fact, Instant now) {
        return fact != null && knows(fact, day(now));
    }

    void rememberPkix(Key fact, Instant now) {
        if (fact != null) {
            remember(fact, day(now));
        }
    }

    /**
     * The SHA-256 of each certificate's DER bytes, computed once per validation (one certificate
     * takes part in a signature fact and in the PKIX fact), and the facts' keys made of them. Not
     * thread-safe: one validation uses it.
     */
    static final class Digests {
        private final MessageDigest sha256 = DigestMemory.sha256();
        private final Map<X509Certificate, byte[]> ofCertificate = new IdentityHashMap<>();

        /** "{@code cert}, these exact bytes, verifies under {@code key}": {@code null} if unencodable. */
        Key signatureFact(X509Certificate cert, PublicKey key) {
            byte[] c = digest(cert);
            byte[] k = key.getEncoded();
            if (c == null || k == null) {
                return null;
            }
            sha256.update(SIGNATURE);
            update(c);
            update(k);
            return new Key(sha256.digest());
        }

        Key pkixFact(List<X509Certificate> below, X509Certificate anchor) {
            byte[][] parts = new byte[below.size() + 1][];
            for (int i = 0; i < below.size(); i++) {
                parts[i] = digest(below.get(i));
            }
            parts[below.size()] = digest(anchor);
            for (byte[] part : parts) {
                if (part == null) {
                    return null;
                }
            }
            sha256.update(PKIX);
            for (byte[] part : parts) {
                update(part);
            }
            return new Key(sha256.digest());
        }

        private byte[] digest(X509Certificate cert) {
            byte[] d = ofCertificate.get(cert);
            if (d == null) {
                try {
                    d = sha256.digest(cert.getEncoded());
                } catch (CertificateEncodingException e) {
                    return null;
                }
                ofCertificate.put(cert, d);
            }
            return d;
        }

        private void update(byte[] part) {
            DigestMemory.update(sha256, part);
        }
    }

    int size() {
        return facts.size();
    }

    private static long day(Instant now) {
        return now.truncatedTo(ChronoUnit.DAYS).getEpochSecond();
    }

    private boolean knows(Key fact, long day) {
        Long when = facts.get(fact.digest);
        return when != null && (when == ANY_DAY || when == day);
    }

    private void remember(Key fact, long day) {
        facts.put(fact.digest, day);
    }

    /** A fact's name: the SHA-256 of its parts. */
    static final class Key {
        final byte[] digest;

        Key(byte[] digest) {
            this.digest = digest;
        }
    }
}
