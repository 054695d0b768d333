package org.nettytls.internal;

import io.netty.handler.ssl.OpenSslCertificateCompressionAlgorithm;
import io.netty.handler.ssl.OpenSslCertificateCompressionConfig;
import io.netty.handler.ssl.OpenSslCertificateCompressionConfig.AlgorithmMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * Not API: TLS certificate compression (RFC 8879) for BoringSSL through Netty's
 * {@code OpenSslContextOption.CERTIFICATE_COMPRESSION_ALGORITHMS}: brotli (algorithm 2, when
 * brotli4j and its native library are on the class path) first, then zlib (algorithm 1, the
 * JDK's {@link Deflater}), each both ways. BoringSSL compresses only for a peer that offered
 * the algorithm, and decompresses only what it offered, so a peer without compression sees a
 * plain Certificate message.
 *
 * <p>Decompression is bounded as RFC 8879 section 5 requires: never more than the
 * {@code uncompressed_length} the peer announced (which BoringSSL has already checked against
 * its certificate-list limit), and exactly that many bytes, or the handshake fails with
 * {@code bad_certificate}. Compression results are cached per algorithm (the same chain is
 * compressed for every handshake otherwise), keyed by the whole Certificate message, so a chain
 * with a new TLS 1.3 OCSP staple is a new entry.
 *
 * <p>Each compression or decompression is recorded in the handshake's {@link SSLSession} under
 * {@link #SENT} or {@link #RECEIVED} (the algorithm's name), for {@code TlsConnectionInfo}.
 */
public final class CertificateCompression {
    /** Session value: the algorithm this side's certificate went out compressed with. */
    public static final String SENT = "org.nettytls.certificateCompression.sent";
    /** Session value: the algorithm the peer's certificate arrived compressed with. */
    public static final String RECEIVED = "org.nettytls.certificateCompression.received";

    private static final int CACHE_ENTRIES = 64;

    private static final class Holder {
        static final List<OpenSslCertificateCompressionAlgorithm> ALGORITHMS = algorithms();
        static final OpenSslCertificateCompressionConfig CONFIG = config(ALGORITHMS);
    }

    private CertificateCompression() {
    }

    /** Every algorithm on offer, in preference order. */
    public static OpenSslCertificateCompressionConfig config() {
        return Holder.CONFIG;
    }

    /**
     * Only the named algorithms, in the order given (for a test or a customizer that wants
     * one algorithm); an unknown or unavailable name fails.
     */
    public static OpenSslCertificateCompressionConfig config(String... names) {
        List<OpenSslCertificateCompressionAlgorithm> chosen = new ArrayList<>();
        for (String n : names) {
            chosen.add(algorithm(n));
        }
        return config(chosen);
    }

    /** The algorithm named {@code name} ({@code brotli}, {@code zlib}); fails when it is not available here. */
    public static OpenSslCertificateCompressionAlgorithm algorithm(String name) {
        for (OpenSslCertificateCompressionAlgorithm a : Holder.ALGORITHMS) {
            if (((Algorithm) a).name.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("no certificate compression algorithm '" + name + "' here; available: "
                + algorithmNames());
    }

    /** The names of the algorithms on offer, in preference order: {@code brotli} (where it loads), {@code zlib}. */
    public static List<String> algorithmNames() {
        List<String> names = new ArrayList<>();
        for (OpenSslCertificateCompressionAlgorithm a : Holder.ALGORITHMS) {
            names.add(((Algorithm) a).name);
        }
        return names;
    }

    private static List<OpenSslCertificateCompressionAlgorithm> algorithms() {
        List<OpenSslCertificateCompressionAlgorithm> list = new ArrayList<>();
        if (BrotliSupport.available()) {
            list.add(new Brotli());
        }
        list.add(new Zlib());
        return List.copyOf(list);
    }

    private static OpenSslCertificateCompressionConfig config(List<OpenSslCertificateCompressionAlgorithm> algorithms) {
        OpenSslCertificateCompressionConfig.Builder b = OpenSslCertificateCompressionConfig.newBuilder();
        for (OpenSslCertificateCompressionAlgorithm a : algorithms) {
            b.addAlgorithm(a, AlgorithmMode.Both);
        }
        return b.build();
    }

    /** What both algorithms share: the cache, the session record, the length checks. */
    private abstract static class Algorithm implements OpenSslCertificateCompressionAlgorithm {
        final String name;
        private final int id;
        private final Map<Key, byte[]> cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, byte[]> eldest) {
                return size() > CACHE_ENTRIES;
            }
        };

        Algorithm(String name, int id) {
            this.name = name;
            this.id = id;
        }

        @Override
        public final int algorithmId() {
            return id;
        }

        @Override
        public final byte[] compress(SSLEngine engine, byte[] uncompressed) throws Exception {
            Key key = new Key(uncompressed);
            byte[] out;
            synchronized (cache) {
                out = cache.get(key);
            }
            if (out == null) {
                out = deflate(uncompressed);
                synchronized (cache) {
                    cache.put(key, out);
                }
            }
            record(engine, SENT);
            return out;
        }

        @Override
        public final byte[] decompress(SSLEngine engine, int uncompressedLength, byte[] compressed) throws Exception {
            byte[] out = inflate(compressed, uncompressedLength);
            record(engine, RECEIVED);
            return out;
        }

        private void record(SSLEngine engine, String what) {
            SSLSession s = engine == null ? null : engine.getHandshakeSession();
            if (s != null) {
                s.putValue(what, name);
            }
        }

        abstract byte[] deflate(byte[] in) throws IOException;

        /** Exactly {@code length} bytes, never more held; fails when the input says otherwise. */
        abstract byte[] inflate(byte[] in, int length) throws IOException;

        IOException wrongLength(String found, int expected) {
            return new IOException("a " + name + "-compressed certificate " + found
                    + " bytes, not the " + expected + " its uncompressed_length announced (RFC 8879 4)");
        }
    }

    /** RFC 8879 algorithm 1: zlib (RFC 1950), by the JDK. */
    private static final class Zlib extends Algorithm {
        Zlib() {
            super("zlib", 1);
        }

        @Override
        byte[] deflate(byte[] in) {
            Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
            try {
                d.setInput(in);
                d.finish();
                ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 64);
                byte[] buf = new byte[4096];
                while (!d.finished()) {
                    out.write(buf, 0, d.deflate(buf));
                }
                return out.toByteArray();
            } finally {
                d.end();
            }
        }

        @Override
        byte[] inflate(byte[] in, int length) throws IOException {
            Inflater inf = new Inflater();
            try {
                inf.setInput(in);
                byte[] out = new byte[length];
                int n = 0;
                while (n < length && !inf.finished()) {
                    int got = inf.inflate(out, n, length - n);
                    if (got == 0 && (inf.needsInput() || inf.needsDictionary())) {
                        throw wrongLength("ends after " + n, length);
                    }
                    n += got;
                }
                if (n < length) {
                    throw wrongLength("holds only " + n, length);
                }
                if (!inf.finished() && inf.inflate(new byte[1]) > 0) {
                    throw wrongLength("holds more than", length);
                }
                return out;
            } catch (DataFormatException e) {
                throw new IOException("a zlib-compressed certificate is not valid zlib: " + e.getMessage(), e);
            } finally {
                inf.end();
            }
        }
    }

    /** RFC 8879 algorithm 2: brotli (RFC 7932), by brotli4j's native library. */
    private static final class Brotli extends Algorithm {
        Brotli() {
            super("brotli", 2);
        }

        @Override
        byte[] deflate(byte[] in) throws IOException {
            return BrotliSupport.compress(in);
        }

        @Override
        byte[] inflate(byte[] in, int length) throws IOException {
            try (InputStream s = BrotliSupport.decompressing(new ByteArrayInputStream(in))) {
                byte[] out = new byte[length];
                int n = s.readNBytes(out, 0, length);
                if (n < length) {
                    throw wrongLength("holds only " + n, length);
                }
                if (s.read() != -1) {
                    throw wrongLength("holds more than", length);
                }
                return out;
            }
        }
    }

    /** A Certificate message as a cache key: compared by content. */
    private static final class Key {
        private final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes.clone();
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).hash == hash && Arrays.equals(((Key) o).bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * Whether brotli works here. Checks for brotli4j's classes by name first: the class that
     * uses them ({@link BrotliCodec}) cannot even be loaded without them.
     */
    static final class BrotliSupport {
        private static final boolean AVAILABLE = probe();

        private BrotliSupport() {
        }

        static boolean available() {
            return AVAILABLE;
        }

        private static boolean probe() {
            try {
                Class.forName("com.aayushatharva.brotli4j.Brotli4jLoader", false, CertificateCompression.class.getClassLoader());
                Class.forName("com.aayushatharva.brotli4j.decoder.BrotliInputStream", false,
                        CertificateCompression.class.getClassLoader());
                return BrotliCodec.loaded();
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }

        static byte[] compress(byte[] in) throws IOException {
            return BrotliCodec.compress(in);
        }

        static InputStream decompressing(InputStream in) throws IOException {
            return BrotliCodec.decompressing(in);
        }
    }

    /** brotli4j itself: loaded only once {@link BrotliSupport} found its classes. */
    private static final class BrotliCodec {
        private BrotliCodec() {
        }

        static boolean loaded() {
            return com.aayushatharva.brotli4j.Brotli4jLoader.isAvailable();
        }

        static byte[] compress(byte[] in) throws IOException {
            return com.aayushatharva.brotli4j.encoder.Encoder.compress(in,
                    new com.aayushatharva.brotli4j.encoder.Encoder.Parameters().setQuality(11));
        }

        static InputStream decompressing(InputStream in) throws IOException {
            // A small buffer: what the stream holds stays near the announced length.
            return new com.aayushatharva.brotli4j.decoder.BrotliInputStream(in, 4096);
        }
    }
}
