package org.nettytls.verify.internal;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.error.TlsException;
import org.nettytls.cert.Fingerprint;

/**
 * Certificate pins: IO::Socket::SSL's {@code SSL_fingerprint}. A peer whose <em>leaf</em>
 * certificate matches any pin is accepted even if its chain or its name would not be.
 *
 * <p>Accepted forms, case and colons ignored:
 * <ul>
 * <li>{@code algo$hex}: a digest of the whole DER certificate, e.g.
 *     {@code sha256$0910028d...6f41} (what {@code netty-tls fingerprint} and the reference's
 *     {@code get_fingerprint} print);</li>
 * <li>{@code algo$pub$hex}: a digest of the public key, namely of the <em>contents of the
 *     subjectPublicKey BIT STRING</em> (as the reference computes it; not the HPKP
 *     {@code pin-sha256}, which hashes the whole SubjectPublicKeyInfo);</li>
 * <li>bare {@code hex}, whose length names the digest: 32 digits md5, 40 sha1, 64 sha256.</li>
 * </ul>
 * {@code algo} is any digest the JDK has ({@code sha256}, {@code SHA-256}, {@code sha384},
 * {@code sha512}, {@code sha1}, {@code md5}, {@code sha3-256}, ...).
 *
 * <p>Everything is checked when the pins are parsed: an unknown digest, a bare digest of another
 * length, or hex of the wrong length for its digest is a configuration error. (The reference
 * accepts the last and never matches; it also fails only inside the handshake for an unknown
 * digest.)
 *
 * <p><b>Please note:</b> md5 and sha1 pins are accepted for compatibility; they do not protect
 * against a peer that can forge collisions. Prefer {@code sha256}.
 *
 * <p>Instances are immutable and keep no state between checks: one failed check never affects
 * another (the reference remembered a failure in a shared closure and then rejected later
 * connections).
 */
public final class FingerprintPins {
    private static final String OPTION = "SSL_fingerprint";
    private static final Pattern SPEC = Pattern.compile("(?:([\\w-]+)\\$)?(pub\\$)?([a-f0-9:]+)",
            Pattern.CASE_INSENSITIVE);
    private static final FingerprintPins NONE = new FingerprintPins(List.of());

    private final List<Pin> pins;

    private FingerprintPins(List<Pin> pins) {
        this.pins = pins;
    }

    /** No pins: {@link #matches} is always false. */
    public static FingerprintPins none() {
        return NONE;
    }

    /**
     * Parses pin specifications.
     *
     * @throws TlsException {@code BAD_CONFIGURATION} naming {@code SSL_fingerprint} and the bad
     *         specification
     */
    public static FingerprintPins parse(String... specs) throws TlsException {
        return parse(Arrays.asList(Objects.requireNonNull(specs, "specs")));
    }

    /** As {@link #parse(String...)}. */
    public static FingerprintPins parse(List<String> specs) throws TlsException {
        Objects.requireNonNull(specs, "specs");
        List<Pin> out = new ArrayList<>(specs.size());
        for (String spec : specs) {
            out.add(Pin.parse(Objects.requireNonNull(spec, "spec")));
        }
        return new FingerprintPins(Collections.unmodifiableList(out));
    }

    /** The pins, in the order given. */
    public List<Pin> pins() {
        return pins;
    }

    public boolean isEmpty() {
        return pins.isEmpty();
    }

    /** {@code true} when {@code leaf} matches any pin. */
    public boolean matches(X509Certificate leaf) {
        Objects.requireNonNull(leaf, "leaf");
        for (Pin pin : pins) {
            if (pin.matches(leaf)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FingerprintPins && ((FingerprintPins) o).pins.equals(pins);
    }

    @Override
    public int hashCode() {
        return pins.hashCode();
    }

    @Override
    public String toString() {
        return pins.toString();
    }

    /** One pin: a digest algorithm, whether it covers the public key only, and the expected digest. */
    public static final class Pin {
        private final String algorithm;
        private final boolean publicKey;
        private final byte[] digest;

        private Pin(String algorithm, boolean publicKey, byte[] digest) {
            this.algorithm = algorithm;
            this.publicKey = publicKey;
            this.digest = digest;
        }

        static Pin parse(String spec) throws TlsException {
            Matcher m = SPEC.matcher(spec);
            if (!m.matches()) {
                throw TlsException.badConfiguration(OPTION, "invalid fingerprint '" + spec
                        + "' (expected algo$hex, algo$pub$hex or bare hex)");
            }
            String hex = m.group(3).replace(":", "").toLowerCase(Locale.ROOT);
            String algorithm = m.group(1);
            if (algorithm == null) {
                switch (hex.length()) {
                    case 32:
                        algorithm = "md5";
                        break;
                    case 40:
                        algorithm = "sha1";
                        break;
                    case 64:
                        algorithm = "sha256";
                        break;
                    default:
                        throw TlsException.badConfiguration(OPTION, "cannot detect hash algorithm from fingerprint '"
                                + spec + "' (" + hex.length() + " hex digits; only 32 = md5, 40 = sha1, 64 = sha256"
                                + " are detected, write algo$hex for others)");
                }
            }
            algorithm = algorithm.toLowerCase(Locale.ROOT);
            MessageDigest md;
            try {
                md = Fingerprint.digest(algorithm);
            } catch (TlsException e) {
                throw new TlsException(e.code(), OPTION + ": fingerprint '" + spec + "': digest '" + algorithm
                        + "' is not available" + ("pub".equals(algorithm) ? " (a public-key pin is written algo$pub$hex)" : ""), e);
            }
            if (hex.length() != md.getDigestLength() * 2) {
                throw TlsException.badConfiguration(OPTION, "fingerprint '" + spec + "' has " + hex.length()
                        + " hex digits but " + algorithm + " gives " + md.getDigestLength() * 2);
            }
            return new Pin(algorithm, m.group(2) != null, HexFormat.of().parseHex(hex));
        }

        /** The digest name, lower case, as written in the pin ({@code sha256}, {@code sha-256}, ...). */
        public String algorithm() {
            return algorithm;
        }

        /** {@code true} for a {@code algo$pub$hex} pin. */
        public boolean publicKey() {
            return publicKey;
        }

        /** The expected digest. */
        public byte[] digest() {
            return digest.clone();
        }

        boolean matches(X509Certificate leaf) {
            try {
                return MessageDigest.isEqual(digest, Fingerprint.binary(leaf, algorithm, publicKey));
            } catch (TlsException e) {
                // A certificate that cannot be encoded matches no pin; the algorithm was checked when parsing.
                return false;
            }
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Pin)) {
                return false;
            }
            Pin p = (Pin) o;
            return algorithm.equals(p.algorithm) && publicKey == p.publicKey && Arrays.equals(digest, p.digest);
        }

        @Override
        public int hashCode() {
            return Objects.hash(algorithm, publicKey, Arrays.hashCode(digest));
        }

        /** The pin in its canonical form, {@code algo$hex} or {@code algo$pub$hex}. */
        @Override
        public String toString() {
            return algorithm + (publicKey ? "$pub$" : "$") + HexFormat.of().formatHex(digest);
        }
    }
}
