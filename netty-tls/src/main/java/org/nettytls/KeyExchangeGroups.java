package org.nettytls;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nettytls.error.TlsException;

/** {@code SSL_ecdh_curve} names to BoringSSL's group names. */
final class KeyExchangeGroups {
    /** Every group netty-tls knows, in BoringSSL's spelling and its order of preference: post-quantum hybrids first. */
    static final List<String> KNOWN = java.util.Arrays.stream(KeyExchangeGroup.values()).map(KeyExchangeGroup::boringSslName)
            .collect(java.util.stream.Collectors.toUnmodifiableList());

    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("x25519mlkem768", "X25519MLKEM768"),
            Map.entry("x25519kyber768draft00", "X25519Kyber768Draft00"),
            Map.entry("x25519", "X25519"),
            Map.entry("p-256", "P-256"), Map.entry("prime256v1", "P-256"), Map.entry("secp256r1", "P-256"),
            Map.entry("p-384", "P-384"), Map.entry("secp384r1", "P-384"),
            Map.entry("p-521", "P-521"), Map.entry("secp521r1", "P-521"));

    private KeyExchangeGroups() {
    }

    /** BoringSSL's names in order, or empty for the defaults ({@code auto} or nothing). */
    static List<String> parse(List<String> given) throws TlsException {
        if (given.isEmpty() || given.size() == 1 && "auto".equalsIgnoreCase(given.get(0))) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String g : given) {
            String name = NAMES.get(g.toLowerCase(Locale.ROOT));
            if (name == null) {
                throw TlsException.badConfiguration("keyExchangeGroups (SSL_ecdh_curve)", "unknown group '" + g + "'; BoringSSL offers "
                        + "X25519MLKEM768, X25519, P-256 (prime256v1), P-384 (secp384r1), P-521 (secp521r1)");
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }
}
