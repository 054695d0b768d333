package org.nettytls.acme;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/**
 * The key of a managed certificate. A name may have one of each ({@code SSL_cert_file}'s
 * {@code 'host'} and {@code 'host%ecc'}): BoringSSL then gives each client the one it can verify.
 * Every issuance, renewals included, gets a fresh key.
 */
public enum AcmeKeyType {
    /** ECDSA on P-256: small and fast, what every current client takes. The default. */
    ECDSA_P256("ecdsa", "ECDSA P-256"),
    /** RSA with 2048 bits: for the clients that take nothing else. */
    RSA_2048("rsa", "RSA 2048");

    private final String id;
    private final String label;

    AcmeKeyType(String id, String label) {
        this.id = id;
        this.label = label;
    }

    /** {@return {@code ecdsa} or {@code rsa}: the file name in the state directory and the command line's word} */
    public String id() {
        return id;
    }

    /**
     * The key type by its {@link #id()}, or {@code null}.
     *
     * @param id the key type's id
     * @return the type, or {@code null}
     */
    public static AcmeKeyType byId(String id) {
        for (AcmeKeyType t : values()) {
            if (t.id.equalsIgnoreCase(id)) {
                return t;
            }
        }
        return null;
    }

    KeyPair generate() throws GeneralSecurityException {
        if (this == RSA_2048) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    @Override
    public String toString() {
        return label;
    }
}
