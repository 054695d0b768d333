package org.nettytls.sni;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSession;
import org.nettytls.TlsServerContext;
import org.nettytls.cert.KeyMaterial;

/**
 * Which of a context's certificates a finished handshake sent. BoringSSL chose it but forgets its
 * choice with the handshake state, and the SSL session names the context's first certificate
 * whatever was sent; so the choice is retraced the way BoringSSL made it: candidates in its order
 * (additional certificates first, the options' own last), the first that fits the negotiated TLS
 * 1.2 cipher suite's authentication, or in TLS 1.3 the first whose key has a signature scheme the
 * client offered.
 */
final class SentCertificate {
    private static final int RSA_PSS_RSAE_SHA256 = 0x0804;
    private static final int RSA_PSS_RSAE_SHA512 = 0x0806;
    private static final int ED25519 = 0x0807;
    private static final int ECDSA_SECP256R1_SHA256 = 0x0403;
    private static final int ECDSA_SECP384R1_SHA384 = 0x0503;
    private static final int ECDSA_SECP521R1_SHA512 = 0x0603;

    private SentCertificate() {
    }

    static List<X509Certificate> chain(TlsServerContext context, SSLSession session, int[] offered) {
        KeyMaterial own = context.options().keyMaterial();
        if (context.options().additionalCertificates().isEmpty()) {
            return own.chain();
        }
        List<KeyMaterial> candidates = new ArrayList<>(context.options().additionalCertificates());
        candidates.add(own);
        String suite = session.getCipherSuite();
        boolean tls13 = "TLSv1.3".equals(session.getProtocol());
        for (KeyMaterial km : candidates) {
            if (tls13 ? hasOfferedScheme(km.key(), offered) : suiteAuthenticates(suite, km.key())) {
                return km.chain();
            }
        }
        return own.chain();
    }

    private static boolean suiteAuthenticates(String suite, PrivateKey key) {
        if (suite == null) {
            return false;
        }
        switch (key.getAlgorithm()) {
            case "EC":
                return suite.contains("_ECDSA_");
            case "RSA":
                return suite.contains("_RSA_");
            default:
                return false;
        }
    }

    private static boolean hasOfferedScheme(PrivateKey key, int[] offered) {
        for (int scheme : offered) {
            switch (key.getAlgorithm()) {
                case "EC": {
                    int bits = ((ECKey) key).getParams().getOrder().bitLength();
                    int want = bits > 384 ? ECDSA_SECP521R1_SHA512 : bits > 256 ? ECDSA_SECP384R1_SHA384 : ECDSA_SECP256R1_SHA256;
                    if (scheme == want) {
                        return true;
                    }
                    break;
                }
                case "RSA":
                    if (scheme >= RSA_PSS_RSAE_SHA256 && scheme <= RSA_PSS_RSAE_SHA512) {
                        return true;
                    }
                    break;
                case "Ed25519":
                case "EdDSA":
                    if (scheme == ED25519) {
                        return true;
                    }
                    break;
                default:
                    break;
            }
        }
        return false;
    }
}
