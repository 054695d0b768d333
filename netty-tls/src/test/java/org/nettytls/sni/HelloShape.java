package org.nettytls.sni;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Generated ClientHellos, usual and hostile, as the bytes a client sends and the reads they arrive
 * in: the kinds tlsfuzzer's ClientHello scripts send (test-invalid-client-hello, -w-record-overflow,
 * test-extensions, test-signature-algorithms, test-tls13-signature-algorithms, test-sig-algs,
 * test-invalid-server-name-extension, test-tls13-record-layer-limits, test-tls13-version-negotiation,
 * test-truncating-of-client-hello, test-tls13-large-number-of-extensions, test-sessionID-resumption),
 * each a {@link Kind}, drawn at random with random content.
 */
public final class HelloShape {
    /** What was done to an otherwise usual hello. */
    public enum Kind {
        USUAL,
        /** A length field anywhere in the body, one byte off in either direction. */
        LENGTH_OFF_BY_ONE,
        /** The body cut at a field boundary, the handshake header saying the cut length. */
        TRUNCATED_AT_FIELD,
        /** The message cut anywhere, the handshake header still announcing the whole: a server must wait. */
        TRUNCATED_ANNOUNCING_MORE,
        /** One extension's content replaced: empty, random, an inner length off by one, cut short. */
        MALFORMED_EXTENSION,
        /** One extension twice. */
        DUPLICATE_EXTENSION,
        /** server_name content of every odd shape (several names, other name types, empty, 256 bytes, a zero byte). */
        ODD_SERVER_NAME,
        /** The hello with unknown extensions and large key shares up to 16 to 64 KiB, in records of at most 2^14. */
        LARGE,
        /** A hello of at most 2^14 bytes whose record is over 2^14 (the handshake header counts). */
        RECORD_OVERFLOW,
        /** Records of another version, content type, or none at all between the hello's records. */
        ODD_RECORDS,
        /** SSLv2-format ClientHello, announcing SSL 3 to TLS 1.3. */
        SSLV2,
        /** Versions a server does not speak: legacy_version and supported_versions of SSL 3, TLS 1.0, 1.1, GREASE only. */
        OLD_VERSIONS,
        /** A legacy_session_id of 33 bytes or more. */
        LONG_SESSION_ID
    }

    static final byte[] CONTROL_NAME = "a\u001b[31m.test".getBytes(StandardCharsets.ISO_8859_1);

    public final Kind kind;
    /** The host_name sent, or {@code null}. */
    public final byte[] name;
    /** Whether the name has control or non-ASCII bytes (and no zero byte), which the selector refuses on purpose. */
    public final boolean refusedName;
    /** The bytes on the wire. */
    public final byte[] wire;
    /** How they arrive: one inbound read each. */
    public final List<byte[]> reads;

    private HelloShape(Kind kind, byte[] name, byte[] wire, List<byte[]> reads) {
        this.kind = kind;
        this.name = name;
        this.wire = wire;
        this.reads = reads;
        boolean odd = false;
        boolean zero = false;
        if (name != null) {
            for (byte b : name) {
                zero |= b == 0;
                odd |= b < 0x20 || b == 0x7f;
            }
        }
        this.refusedName = odd && !zero && name.length <= 255;
    }

    /** A hello of a random kind, in random reads. */
    public static HelloShape next(Random r) {
        Kind[] kinds = Kind.values();
        return of(kinds[r.nextInt(kinds.length)], r);
    }

    public static HelloShape of(Kind kind, Random r) {
        byte[] name = name(r);
        List<Ext> exts = extensions(r, name, kind);
        int legacyVersion = 0x0303;
        int sessionId = r.nextBoolean() ? 32 : r.nextInt(33);
        if (kind == Kind.LONG_SESSION_ID) {
            sessionId = 33 + r.nextInt(223);
        }
        if (kind == Kind.OLD_VERSIONS) {
            legacyVersion = new int[] {0x0300, 0x0301, 0x0302, 0x0303, 0x0a0a}[r.nextInt(5)];
            int[][] offered = {{0x0301}, {0x0302, 0x0301}, {0x0300}, {0x0a0a}, {0x7f1c}, {}};
            int[] pick = offered[r.nextInt(offered.length)];
            exts.removeIf(e -> e.type == 43);
            if (r.nextBoolean()) {
                exts.add(new Ext(43, w -> w.vector(1, v -> {
                    for (int version : pick) {
                        v.u16(version);
                    }
                })));
            }
        }
        if (kind == Kind.DUPLICATE_EXTENSION && !exts.isEmpty()) {
            exts.add(r.nextInt(exts.size() + 1), exts.get(r.nextInt(exts.size())));
        }
        if (kind == Kind.MALFORMED_EXTENSION && !exts.isEmpty()) {
            int i = r.nextInt(exts.size());
            exts.set(i, malformed(exts.get(i), r));
        }
        if (kind == Kind.LARGE) {
            large(exts, r, 16 * 1024 + r.nextInt(44 * 1024));
        }
        byte[] random = new byte[32];
        r.nextBytes(random);
        int[] suites = suites(r);
        boolean extensionsBlock = !exts.isEmpty() || r.nextInt(8) != 0;
        Wire body = body(legacyVersion, random, sessionId, suites, exts, extensionsBlock);
        if (kind == Kind.RECORD_OVERFLOW) {
            // A body of 16381 to 16384 bytes: with its handshake header, 16385 to 16388 bytes in one record.
            int pad = 16381 + r.nextInt(4) - body.toByteArray().length - 4;
            exts.add(new Ext(21, w -> w.bytes(new byte[Math.max(0, pad)])));
            body = body(legacyVersion, random, sessionId, suites, exts, true);
        }
        byte[] b = body.toByteArray();
        if (kind == Kind.LENGTH_OFF_BY_ONE) {
            b = body.withLength(body.lengths.get(r.nextInt(body.lengths.size())), r.nextBoolean() ? 1 : -1);
        }
        if (kind == Kind.TRUNCATED_AT_FIELD) {
            b = Arrays.copyOf(b, Math.min(body.marks.get(r.nextInt(body.marks.size())), b.length));
        }
        byte[] message = message(b);
        boolean cutWire = false;
        if (kind == Kind.TRUNCATED_ANNOUNCING_MORE) {
            if (r.nextBoolean()) {
                message = Arrays.copyOf(message, r.nextInt(message.length));
            } else {
                cutWire = true;
            }
        }
        byte[] wire = kind == Kind.SSLV2 ? sslv2(r) : records(message, kind, r);
        if (cutWire) {
            wire = Arrays.copyOf(wire, r.nextInt(wire.length));
        }
        return new HelloShape(kind, name, wire, reads(wire, r));
    }

    /**
     * One usual hello for {@code a.test} cut at every field boundary (the header saying the cut
     * length), with every length field one off in each direction, and cut after every byte with
     * the header still announcing the whole: each in one record and one read.
     */
    static List<HelloShape> everyCutAndLength(Random r) {
        byte[] name = ascii("a.test");
        List<Ext> exts = extensions(r, name, Kind.USUAL);
        byte[] random = new byte[32];
        r.nextBytes(random);
        Wire body = body(0x0303, random, 32, new int[] {0x1301, 0xc02b}, exts, true);
        List<HelloShape> shapes = new ArrayList<>();
        for (int cut : new java.util.TreeSet<>(body.marks)) {
            shapes.add(whole(Kind.TRUNCATED_AT_FIELD, name, message(Arrays.copyOf(body.toByteArray(), cut))));
        }
        for (int[] field : body.lengths) {
            shapes.add(whole(Kind.LENGTH_OFF_BY_ONE, name, message(body.withLength(field, 1))));
            shapes.add(whole(Kind.LENGTH_OFF_BY_ONE, name, message(body.withLength(field, -1))));
        }
        byte[] message = message(body.toByteArray());
        for (int n = 0; n < message.length; n++) {
            shapes.add(whole(Kind.TRUNCATED_ANNOUNCING_MORE, name, Arrays.copyOf(message, n)));
        }
        return shapes;
    }

    /** A usual TLS 1.3 hello for {@code name} (none when {@code null}), in one record and one read. */
    public static HelloShape usual(byte[] name, Random r) {
        return withExtensions(Kind.USUAL, name, extensions(r, name, Kind.USUAL), r);
    }

    /** A usual hello whose server_name list holds {@code name} twice: BoringSSL refuses it with decode_error and no error code. */
    public static HelloShape twoNames(byte[] name, Random r) {
        List<Ext> exts = extensions(r, null, Kind.USUAL);
        exts.add(0, new Ext(0, w -> w.vector(2, list -> {
            for (int i = 0; i < 2; i++) {
                list.u8(0);
                list.vector(2, n -> n.bytes(name));
            }
        })));
        return withExtensions(Kind.ODD_SERVER_NAME, name, exts, r);
    }

    private static HelloShape withExtensions(Kind kind, byte[] name, List<Ext> exts, Random r) {
        byte[] random = new byte[32];
        r.nextBytes(random);
        exts.removeIf(e -> e.type == 43 || e.type == 51 || e.type == 45);
        byte[] x25519 = new byte[32];
        r.nextBytes(x25519);
        exts.add(new Ext(43, w -> w.vector(1, v -> v.u16(0x0304))));
        exts.add(new Ext(51, w -> w.vector(2, v -> {
            v.u16(0x001d);
            v.vector(2, k -> k.bytes(x25519));
        })));
        exts.add(new Ext(45, w -> w.vector(1, v -> v.u8(1))));
        if (exts.stream().noneMatch(e -> e.type == 13)) {
            exts.add(new Ext(13, w -> w.vector(2, v -> {
                v.u16(0x0804);
                v.u16(0x0403);
            })));
        }
        return whole(kind, name, message(body(0x0303, random, 32, new int[] {0x1301}, exts, true).toByteArray()));
    }

    private static HelloShape whole(Kind kind, byte[] name, byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        record(out, 22, 0x0301, message, 0, message.length);
        byte[] wire = out.toByteArray();
        return new HelloShape(kind, name, wire, List.of(wire));
    }

    private static Wire body(int version, byte[] random, int sessionId, int[] suites, List<Ext> exts, boolean extensionsBlock) {
        Wire body = new Wire();
        body.u16(version);
        body.bytes(random);
        body.vector(1, v -> v.bytes(new byte[sessionId]));
        body.vector(2, v -> {
            for (int s : suites) {
                v.u16(s);
            }
        });
        body.vector(1, v -> v.u8(0));
        if (extensionsBlock) {
            body.vector(2, v -> {
                for (Ext e : exts) {
                    v.mark();
                    v.u16(e.type);
                    v.vector(2, e.content);
                }
            });
        }
        return body;
    }

    /** The host_name: none, mapped, unknown, odd in every way a client could make it. */
    private static byte[] name(Random r) {
        switch (r.nextInt(12)) {
            case 0:
                return null;
            case 1:
            case 2:
            case 3:
                return ascii("a.test");
            case 4:
                return ascii("unknown.test");
            case 5:
                return ascii("A.TEST.");
            case 6:
                return CONTROL_NAME;
            case 7:
                return "b\u00e4r.test".getBytes(StandardCharsets.UTF_8);
            case 8:
                return ascii("127.0.0.1");
            case 9:
                return ascii("two words.test");
            case 10: {
                byte[] n = new byte[1 + r.nextInt(20)];
                for (int i = 0; i < n.length; i++) {
                    n[i] = (byte) r.nextInt(256);
                }
                return n;
            }
            default:
                return ascii("x".repeat(1 + r.nextInt(60)) + ".wild.test");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static int[] suites(Random r) {
        List<Integer> s = new ArrayList<>(List.of(0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8));
        Collections.shuffle(s, r);
        int n = 1 + r.nextInt(s.size());
        if (r.nextInt(16) == 0) {
            // Nothing a server has: handshake_failure.
            return new int[] {0x0005, 0x000a};
        }
        return s.subList(0, n).stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<Ext> extensions(Random r, byte[] name, Kind kind) {
        List<Ext> exts = new ArrayList<>();
        if (name != null) {
            if (kind == Kind.ODD_SERVER_NAME) {
                exts.add(oddServerName(name, r));
            } else {
                exts.add(new Ext(0, w -> w.vector(2, list -> {
                    list.u8(0);
                    list.vector(2, n -> n.bytes(name));
                })));
            }
        }
        exts.add(new Ext(10, w -> w.vector(2, v -> {
            v.u16(0x001d);
            v.u16(0x0017);
        })));
        if (r.nextBoolean()) {
            exts.add(new Ext(11, w -> w.vector(1, v -> v.u8(0))));
        }
        if (r.nextInt(6) != 0) {
            exts.add(new Ext(13, w -> w.vector(2, v -> {
                for (int s : new int[] {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}) {
                    v.u16(s);
                }
            })));
        }
        boolean tls13 = r.nextInt(4) != 0;
        if (tls13) {
            exts.add(new Ext(43, w -> w.vector(1, v -> {
                v.u16(0x0304);
                v.u16(0x0303);
            })));
            byte[] x25519 = new byte[32];
            r.nextBytes(x25519);
            exts.add(new Ext(51, w -> w.vector(2, v -> {
                v.u16(0x001d);
                v.vector(2, k -> k.bytes(x25519));
            })));
            exts.add(new Ext(45, w -> w.vector(1, v -> v.u8(1))));
        }
        if (r.nextBoolean()) {
            exts.add(new Ext(16, w -> w.vector(2, v -> {
                v.vector(1, p -> p.bytes(ascii("h2")));
                v.vector(1, p -> p.bytes(ascii("http/1.1")));
            })));
        }
        if (r.nextBoolean()) {
            exts.add(new Ext(23, w -> { }));
        }
        if (r.nextBoolean()) {
            exts.add(new Ext(65281, w -> w.vector(1, v -> { })));
        }
        if (r.nextBoolean()) {
            exts.add(new Ext(35, w -> { }));
        }
        if (r.nextBoolean()) {
            exts.add(new Ext(5, w -> {
                w.u8(1);
                w.u16(0);
                w.u16(0);
            }));
        }
        if (r.nextInt(3) == 0) {
            exts.add(new Ext(0x0a0a + 0x1010 * r.nextInt(15), w -> w.bytes(new byte[r.nextInt(3)])));
        }
        if (r.nextInt(4) == 0) {
            exts.add(new Ext(21, w -> w.bytes(new byte[r.nextInt(300)])));
        }
        // The server_name first or anywhere: tlsfuzzer moves it.
        Collections.shuffle(exts.subList(name == null ? 0 : (r.nextBoolean() ? 1 : 0), exts.size()), r);
        return exts;
    }

    private static Ext oddServerName(byte[] name, Random r) {
        switch (r.nextInt(9)) {
            case 0:
                return new Ext(0, w -> { });
            case 1:
                return new Ext(0, w -> w.vector(2, list -> { }));
            case 2:
                return new Ext(0, w -> w.vector(2, list -> {
                    for (int i = 0; i < 2; i++) {
                        list.u8(0);
                        list.vector(2, n -> n.bytes(name));
                    }
                }));
            case 3:
                return new Ext(0, w -> w.vector(2, list -> {
                    list.u8(1 + r.nextInt(255));
                    list.vector(2, n -> n.bytes(name));
                }));
            case 4:
                return new Ext(0, w -> w.vector(2, list -> {
                    list.u8(0);
                    list.vector(2, n -> { });
                }));
            case 5:
                return new Ext(0, w -> w.vector(2, list -> {
                    list.u8(0);
                    list.vector(2, n -> n.bytes(ascii("a".repeat(256 + r.nextInt(10)))));
                }));
            case 6:
                return new Ext(0, w -> w.vector(2, list -> {
                    list.u8(0);
                    list.vector(2, n -> n.bytes(ascii("a\0.test")));
                }));
            case 7:
                return new Ext(0, w -> w.vector(2, list -> {
                    list.u8(0);
                    list.vector(2, n -> n.bytes(ascii("a.test")));
                    list.u8(1);
                    list.vector(2, n -> n.bytes(ascii("b.test")));
                }));
            default:
                return new Ext(0, w -> w.vector(2, list -> {
                    list.u8(0);
                    list.vector(2, n -> n.bytes(name));
                    list.u8(0);
                }));
        }
    }

    private static Ext malformed(Ext e, Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return new Ext(e.type, w -> { });
            case 1: {
                byte[] junk = new byte[1 + r.nextInt(40)];
                r.nextBytes(junk);
                return new Ext(e.type, w -> w.bytes(junk));
            }
            case 2: {
                Wire inner = new Wire();
                e.content.accept(inner);
                if (inner.lengths.isEmpty()) {
                    return new Ext(e.type, w -> w.u8(r.nextInt(256)));
                }
                byte[] b = inner.withLength(inner.lengths.get(r.nextInt(inner.lengths.size())), r.nextBoolean() ? 1 : -1);
                return new Ext(e.type, w -> w.bytes(b));
            }
            default: {
                Wire inner = new Wire();
                e.content.accept(inner);
                byte[] b = inner.toByteArray();
                byte[] cut = Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
                return new Ext(e.type, w -> w.bytes(cut));
            }
        }
    }

    /** Many unknown extensions and, sometimes, key shares of unknown groups, to about {@code target} bytes. */
    private static void large(List<Ext> exts, Random r, int target) {
        int size = 200;
        if (r.nextBoolean()) {
            // A key_share with large entries of groups the server does not know, the x25519 one last.
            exts.removeIf(e -> e.type == 51);
            int shares = 1 + r.nextInt(6);
            int each = Math.min(0xfff0, (target - size) / shares);
            byte[] x25519 = new byte[32];
            r.nextBytes(x25519);
            exts.add(new Ext(51, w -> w.vector(2, v -> {
                for (int i = 0; i < shares; i++) {
                    v.u16(0x6a6a + i);
                    v.vector(2, k -> k.bytes(new byte[Math.max(1, Math.min(each, (0xfffe - 40) / shares))]));
                }
                v.u16(0x001d);
                v.vector(2, k -> k.bytes(x25519));
            })));
            size += Math.min(each, (0xfffe - 40) / shares) * shares;
        }
        int type = 0x4000;
        while (size < target) {
            int n = Math.min(target - size, r.nextInt(64));
            final int t = type++;
            exts.add(new Ext(t, w -> w.bytes(new byte[n])));
            size += 4 + n;
        }
    }

    private static byte[] message(byte[] body) {
        byte[] m = new byte[4 + body.length];
        m[0] = 1;
        m[1] = (byte) (body.length >> 16);
        m[2] = (byte) (body.length >> 8);
        m[3] = (byte) body.length;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    /** The message in handshake records: one, 1-byte ones, or random sizes; with odd records for {@link Kind#ODD_RECORDS}. */
    private static byte[] records(byte[] message, Kind kind, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int mode = r.nextInt(4);
        int max = 1 << 14;
        if (kind == Kind.RECORD_OVERFLOW) {
            max = message.length;
            mode = 0;
        }
        int recordVersion = r.nextInt(4) == 0 ? 0x0303 : 0x0301;
        List<Integer> sizes = new ArrayList<>();
        for (int at = 0; at < message.length; ) {
            int n;
            if (mode == 1) {
                n = 1;
            } else if (mode == 2) {
                n = 1 + r.nextInt(Math.min(max, 600));
            } else {
                n = max;
            }
            n = Math.min(n, message.length - at);
            sizes.add(n);
            at += n;
        }
        int odd = kind == Kind.ODD_RECORDS ? r.nextInt(Math.max(1, sizes.size())) : -1;
        int at = 0;
        for (int i = 0; i < sizes.size(); i++) {
            if (i == odd) {
                oddRecord(out, r);
            }
            int n = sizes.get(i);
            record(out, 22, recordVersion, message, at, n);
            at += n;
        }
        if (odd >= sizes.size() || kind == Kind.ODD_RECORDS && sizes.isEmpty()) {
            oddRecord(out, r);
        }
        return out.toByteArray();
    }

    private static void oddRecord(ByteArrayOutputStream out, Random r) {
        switch (r.nextInt(6)) {
            case 0:
                record(out, 22, 0x0301, new byte[0], 0, 0);
                break;
            case 1:
                record(out, 20, 0x0303, new byte[] {1}, 0, 1);
                break;
            case 2:
                record(out, 21, 0x0303, new byte[] {1, 0}, 0, 2);
                break;
            case 3:
                record(out, 23, 0x0303, new byte[] {1, 2, 3}, 0, 3);
                break;
            case 4:
                record(out, 22, r.nextBoolean() ? 0x0201 : 0x0403, new byte[] {1, 0, 0, 0}, 0, 4);
                break;
            default:
                record(out, 22, 0x0301, new byte[] {2, 0, 0, 0}, 0, 4);
                break;
        }
    }

    private static void record(ByteArrayOutputStream out, int type, int version, byte[] data, int from, int n) {
        out.write(type);
        out.write(version >> 8);
        out.write(version);
        out.write(n >> 8);
        out.write(n);
        out.write(data, from, n);
    }

    /** An SSLv2-format CLIENT-HELLO (RFC 6101 E.1, RFC 5246 E.2), announcing SSL 3 to TLS 1.3. */
    private static byte[] sslv2(Random r) {
        int version = new int[] {0x0300, 0x0301, 0x0303, 0x0304, 0x0002}[r.nextInt(5)];
        int[] specs = {0x00c02b, 0x00c02f, 0x001301, 0x00002f, 0x010080};
        byte[] challenge = new byte[16 + r.nextInt(17)];
        r.nextBytes(challenge);
        Wire w = new Wire();
        w.u8(1);
        w.u16(version);
        w.u16(specs.length * 3);
        w.u16(0);
        w.u16(challenge.length);
        for (int s : specs) {
            w.u8(s >> 16);
            w.u16(s & 0xffff);
        }
        w.bytes(challenge);
        byte[] body = w.toByteArray();
        byte[] out = new byte[2 + body.length];
        out[0] = (byte) (0x80 | (body.length >> 8));
        out[1] = (byte) body.length;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    /** The bytes as TCP delivers them: all at once, a byte per read, or cut anywhere. */
    private static List<byte[]> reads(byte[] wire, Random r) {
        List<byte[]> reads = new ArrayList<>();
        int mode = r.nextInt(4);
        for (int at = 0; at < wire.length; ) {
            int n = mode == 0 ? wire.length : mode == 1 ? 1 : 1 + r.nextInt(Math.max(1, Math.min(wire.length, 3000)));
            if (mode == 1 && wire.length > 2000) {
                n = 1 + r.nextInt(64);
            }
            n = Math.min(n, wire.length - at);
            reads.add(Arrays.copyOfRange(wire, at, at + n));
            at += n;
        }
        return reads;
    }

    public String show() {
        return kind + " name=" + (name == null ? "none" : escaped()) + " wire(" + wire.length + ")="
                + org.nettytls.fuzz.Bytes.show(wire.length > 400 ? Arrays.copyOf(wire, 400) : wire) + " in " + reads.size() + " reads";
    }

    /** The name as the selector shows it: printable ASCII as it is, other bytes and the backslash as {@code \\xNN}. */
    public String escaped() {
        StringBuilder b = new StringBuilder();
        for (byte x : name) {
            int c = x & 0xff;
            b.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return b.toString();
    }

    /** One extension: its type and how its content is written. */
    static final class Ext {
        final int type;
        final Consumer<Wire> content;

        Ext(int type, Consumer<Wire> content) {
            this.type = type;
            this.content = content;
        }
    }

    /** Bytes with the places of their length fields and field boundaries kept, for the mutations. */
    static final class Wire {
        private byte[] buf = new byte[0];
        private int size;
        /** {offset, width} of every length prefix. */
        final List<int[]> lengths = new ArrayList<>();
        /** Offsets where a field starts or ends. */
        final List<Integer> marks = new ArrayList<>();

        private void put(int b) {
            if (size == buf.length) {
                buf = Arrays.copyOf(buf, Math.max(64, size * 2));
            }
            buf[size++] = (byte) b;
        }

        void u8(int v) {
            put(v);
        }

        void u16(int v) {
            put(v >> 8);
            put(v);
        }

        void bytes(byte[] b) {
            for (byte x : b) {
                put(x);
            }
        }

        void mark() {
            marks.add(size);
        }

        void vector(int width, Consumer<Wire> content) {
            int at = size;
            marks.add(at);
            for (int i = 0; i < width; i++) {
                put(0);
            }
            lengths.add(new int[] {at, width});
            content.accept(this);
            int n = size - at - width;
            for (int i = 0; i < width; i++) {
                buf[at + i] = (byte) (n >> (8 * (width - 1 - i)));
            }
            marks.add(size);
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }

        /** The bytes with the length field {@code field} changed by {@code delta} (wrapping within its width). */
        byte[] withLength(int[] field, int delta) {
            byte[] b = toByteArray();
            int at = field[0];
            int width = field[1];
            long v = 0;
            for (int i = 0; i < width; i++) {
                v = (v << 8) | (b[at + i] & 0xff);
            }
            long max = (1L << (8 * width)) - 1;
            v = (v + delta) & max;
            for (int i = 0; i < width; i++) {
                b[at + i] = (byte) (v >> (8 * (width - 1 - i)));
            }
            return b;
        }
    }
}
