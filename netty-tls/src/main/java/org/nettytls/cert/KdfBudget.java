package org.nettytls.cert;

import java.math.BigInteger;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.misc.MiscObjectIdentifiers;
import org.bouncycastle.asn1.misc.ScryptParams;
import org.bouncycastle.asn1.pkcs.KeyDerivationFunc;
import org.bouncycastle.asn1.pkcs.PBEParameter;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PBKDF2Params;
import org.bouncycastle.asn1.pkcs.PKCS12PBEParams;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.nettytls.error.TlsException;

/**
 * Bounds the password-based key derivations one source may make the loader do, checked before
 * each derivation runs. The cost of a derivation is written in the file (an iteration count, or
 * scrypt's N, r and p) and is the file's to choose: without a bound a few bytes asking for
 * 2<sup>31</sup> iterations keep a CPU busy for most of an hour.
 *
 * <p>The limits accept what real tools write, with room: OpenSSL's {@code pkcs12}, {@code pkcs8}
 * and {@code genpkey} use 2048 iterations, the JDK's {@code keytool} 10000 (JDK 8's legacy
 * PKCS#12 100000 for the MAC), GnuTLS's {@code certtool --to-p12} 600000, OWASP's 2023 advice for
 * PBKDF2-HMAC-SHA1 is 1300000; the JDK itself refuses PKCS#12 counts above 5000000 when it reads.
 * For scrypt the memory bound is OpenSSL's own ({@code SCRYPT_MAX_MEM}, 32 MiB, beyond which
 * OpenSSL neither writes nor reads a key; its default N=16384, r=8, p=1 takes 16 MiB), and
 * N·r·p, which sets scrypt's time as the iteration count sets PBKDF2's (one unit costs about
 * one PBKDF2-HMAC-SHA256 iteration), has the iteration limit.
 *
 * <p>Besides each derivation, a source's derivations together are bounded, so a file cannot
 * multiply an allowed cost by holding many encrypted parts: {@link #MAX_TOTAL} is the work of the
 * costliest PKCS#12 file whose every count is at the limit (its MAC tried with the empty password
 * both ways OpenSSL and Bouncy Castle derive it, then with the password, and its certificates and
 * key decrypted).
 */
final class KdfBudget {
    /** The most iterations (or scrypt N·r·p) one derivation may ask for. */
    static final long MAX_ITERATIONS = 2_000_000;
    /** The most iterations all derivations for one source may ask for together. */
    static final long MAX_TOTAL = 5 * MAX_ITERATIONS;
    /** The most memory, in bytes, one scrypt derivation may ask for: OpenSSL's {@code SCRYPT_MAX_MEM}. */
    static final long MAX_SCRYPT_MEMORY = 32L * 1024 * 1024;

    private static final BigInteger MAX_ITERATIONS_BIG = BigInteger.valueOf(MAX_ITERATIONS);

    private final String source;
    private long spent;
    private boolean refused;

    KdfBudget(String source) {
        this.source = source;
    }

    /**
     * Charges the derivation of a password-based encryption scheme (PBES2 with PBKDF2 or scrypt,
     * PBES1, PKCS#12 PBE), or refuses it. Other schemes derive nothing from a count and pass;
     * parameters that do not parse pass too, for the decryption to refuse them.
     */
    void charge(AlgorithmIdentifier scheme, String what) throws TlsException {
        ASN1ObjectIdentifier oid = scheme.getAlgorithm();
        try {
            if (PKCSObjectIdentifiers.id_PBES2.equals(oid)) {
                KeyDerivationFunc kdf = PBES2Parameters.getInstance(scheme.getParameters()).getKeyDerivationFunc();
                if (MiscObjectIdentifiers.id_scrypt.equals(kdf.getAlgorithm())) {
                    scrypt(ScryptParams.getInstance(kdf.getParameters()), what);
                } else if (PKCSObjectIdentifiers.id_PBKDF2.equals(kdf.getAlgorithm())) {
                    iterations(PBKDF2Params.getInstance(kdf.getParameters()).getIterationCount(), what + " (PBES2/PBKDF2)");
                }
            } else if (oid.on(PKCSObjectIdentifiers.pkcs_12PbeIds)) {
                iterations(PKCS12PBEParams.getInstance(scheme.getParameters()).getIterations(), what + " (PKCS#12 PBE)");
            } else if (oid.on(PKCSObjectIdentifiers.pkcs_5)) {
                iterations(PBEParameter.getInstance(scheme.getParameters()).getIterationCount(), what + " (PBES1)");
            }
        } catch (IllegalArgumentException | NullPointerException | ClassCastException e) {
            // Malformed parameters: the decryption that follows refuses them with its own message.
        }
    }

    /** Whether this budget has refused a derivation (a refusal is final: no other password is tried). */
    boolean refused() {
        return refused;
    }

    /** Charges one derivation of {@code count} iterations, or refuses it; {@code what} names it. */
    void iterations(BigInteger count, String what) throws TlsException {
        if (count.signum() <= 0) {
            return; // no derivation runs: the decryption refuses the count
        }
        if (count.compareTo(MAX_ITERATIONS_BIG) > 0) {
            throw refuse(what + " asks for " + count + " iterations, more than the "
                    + MAX_ITERATIONS + " allowed (tools write 2048 to 600000; a higher count only makes the file costly"
                    + " to open: write it again with fewer, e.g. openssl pkcs12 -export -iter 2048)", null);
        }
        spend(count.longValueExact(), what);
    }

    private void scrypt(ScryptParams params, String what) throws TlsException {
        BigInteger n = params.getCostParameter();
        BigInteger r = params.getBlockSize();
        BigInteger p = params.getParallelizationParameter();
        if (n.signum() <= 0 || r.signum() <= 0 || p.signum() <= 0) {
            return; // no derivation runs: the decryption refuses the parameters
        }
        String named = what + " (PBES2/scrypt N=" + n + ", r=" + r + ", p=" + p + ")";
        // OpenSSL's count: the N+2 blocks of V and the p blocks of B, each 128·r bytes.
        BigInteger memory = BigInteger.valueOf(128).multiply(r).multiply(n.add(p).add(BigInteger.TWO));
        if (memory.compareTo(BigInteger.valueOf(MAX_SCRYPT_MEMORY)) > 0) {
            throw refuse(named + " asks for " + memory + " bytes of memory, more than the "
                    + MAX_SCRYPT_MEMORY + " allowed (OpenSSL's limit; its default N=16384, r=8, p=1 takes 16 MiB)", null);
        }
        BigInteger work = n.multiply(r).multiply(p);
        if (work.compareTo(MAX_ITERATIONS_BIG) > 0) {
            throw refuse(named + " asks for N·r·p = " + work + ", more than the "
                    + MAX_ITERATIONS + " allowed (OpenSSL's default is 131072)", null);
        }
        spend(work.longValueExact(), named);
    }

    private TlsException refuse(String problem, Throwable cause) {
        refused = true;
        return TlsException.badInput(source, problem, cause);
    }

    private void spend(long cost, String what) throws TlsException {
        if (spent + cost > MAX_TOTAL) {
            throw refuse(what + " would bring the key derivations for this one source to "
                    + (spent + cost) + " iterations, more than the " + MAX_TOTAL + " allowed in all", null);
        }
        spent += cost;
    }
}
