package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;

/**
 * Fuzz target and properties for the ClientHello reader of {@link SniCertSelector}
 * ({@link ClientHelloReader}, {@link ClientHello}).
 */
public final class ClientHelloFuzzTest {
    private static volatile List<byte[]> samples;

    static List<byte[]> samples() throws org.nettytls.error.TlsException {
        if (samples == null) {
            samples = List.of(ClientHelloLimitsTest.clientHello("fuzz.test"),
                    ClientHelloLimitsTest.clientHello("a-much-longer-name.with.many.labels.fuzz.test"), splitIntoRecords(
                            ClientHelloLimitsTest.clientHello("split.fuzz.test"), 7));
        }
        return samples;
    }

    /** The same handshake message carried in records of at most {@code size} bytes. */
    static byte[] splitIntoRecords(byte[] hello, int size) {
        byte[] message = Arrays.copyOfRange(hello, 5, hello.length);
        ByteBuf out = Unpooled.buffer();
        for (int at = 0; at < message.length; at += size) {
            int n = Math.min(size, message.length - at);
            out.writeBytes(new byte[] {22, 3, 1, (byte) (n >> 8), (byte) n}).writeBytes(message, at, n);
        }
        byte[] b = new byte[out.readableBytes()];
        out.readBytes(b);
        out.release();
        return b;
    }

    /** What reading a whole input gave: the reader's verdict and, for a complete hello, its name and schemes; null while more is needed. */
    static final class Outcome {
        final ClientHelloReader.Kind kind;
        final ClientHello.NameStatus status;
        final String name;
        final int[] schemes;

        Outcome(ClientHelloReader.Kind kind, ClientHello.NameStatus status, String name, int[] schemes) {
            this.kind = kind;
            this.status = status;
            this.name = name;
            this.schemes = schemes;
        }
    }

    /**
     * Feeds {@code data} in chunks cut at {@code cuts}, as reads arrive, with ClientHellos limited to
     * {@code max} bytes; checks the bounds on the way and returns the outcome (null: needs more).
     */
    static Outcome feed(byte[] data, int[] cuts, int max) {
        ClientHelloReader reader = new ClientHelloReader(max);
        ByteBuf in = Unpooled.buffer(data.length);
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? Math.min(Math.max(cuts[i], from), data.length) : data.length;
                in.writeBytes(data, from, to - from);
                from = to;
                ClientHelloReader.Result read = reader.read(in, ByteBufAllocator.DEFAULT);
                assertEquals(0, in.readerIndex(), "the reader consumed bytes the SslHandler needs");
                if (read.kind == ClientHelloReader.Kind.NEED_MORE) {
                    continue;
                }
                if (read.kind != ClientHelloReader.Kind.HELLO) {
                    assertNull(read.body);
                    assertNotNull(read.problem, "a verdict without a reason");
                    return new Outcome(read.kind, null, null, new int[0]);
                }
                ByteBuf body = read.body;
                try {
                    assertTrue(body.readableBytes() <= max, "a body of " + body.readableBytes() + " over the limit " + max);
                    int held = body.unwrap() == null ? body.capacity() : body.unwrap().capacity();
                    int bound = 2 * (max + ClientHelloReader.HANDSHAKE_HEADER + ClientHelloReader.MAX_FRAGMENT);
                    assertTrue(held <= bound, "held " + held + " bytes for a limit of " + max);
                    ClientHello hello = ClientHello.parse(body);
                    String name = hello.hostName();
                    if (hello.status() == ClientHello.NameStatus.NAME) {
                        assertTrue(!name.isEmpty() && name.length() <= 255, "name of " + name.length() + " characters");
                        assertTrue(name.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "name " + Bytes.show(name));
                    } else if (hello.status() == ClientHello.NameStatus.REFUSED) {
                        assertTrue(name.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "escaped name " + Bytes.show(name));
                    } else {
                        assertNull(name);
                    }
                    assertTrue(hello.signatureSchemes().length * 2 <= body.readableBytes());
                    return new Outcome(read.kind, hello.status(), name, hello.signatureSchemes());
                } finally {
                    body.release();
                }
            }
            return null;
        } finally {
            reader.release();
            in.release();
        }
    }

    private static int[] cuts(Random r, int length) {
        int[] cuts = new int[r.nextInt(6)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = r.nextInt(length + 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    /** Jazzer: any bytes, whole, are read and parsed within bounds, and never throw. */
    public static void fuzzerTestOneInput(byte[] data) {
        feed(data, new int[0], 16384);
    }

    @Test
    void mutatedClientHellosInArbitraryReadsStayInBoundsOrAreRefused() throws Exception {
        List<byte[]> hellos = samples();
        Property.forAll("mutated ClientHello", r -> {
            byte[] m = Bytes.mutateOneOf(hellos, r);
            return new Object[] {m, cuts(r, m.length), 64 + r.nextInt(16384)};
        }).tries(3000).show(a -> Bytes.show((byte[]) a[0]) + " cut at " + Arrays.toString((int[]) a[1]) + " limit " + a[2])
                .check(a -> feed((byte[]) a[0], (int[]) a[1], (Integer) a[2]));
    }

    /** However a valid ClientHello is split into reads, it gives the same name and schemes; every truncation needs more. */
    @Test
    void splitsGiveTheSameAnswerAndTruncationsNeedMore() throws Exception {
        List<byte[]> hellos = samples();
        Outcome[] whole = new Outcome[hellos.size()];
        for (int i = 0; i < whole.length; i++) {
            whole[i] = feed(hellos.get(i), new int[0], 16384);
        }
        Property.forAll("split and truncated ClientHello", r -> {
            int pick = r.nextInt(hellos.size());
            byte[] h = hellos.get(pick);
            return new Object[] {pick, cuts(r, h.length), r.nextInt(h.length)};
        }).tries(600).show(a -> a[0] + " cut at " + Arrays.toString((int[]) a[1]) + ", truncated to " + a[2]).check(a -> {
            int pick = (Integer) a[0];
            byte[] h = hellos.get(pick);
            Outcome split = feed(h, (int[]) a[1], 16384);
            assertNotNull(split);
            assertEquals(whole[pick].name, split.name);
            assertArrayEquals(whole[pick].schemes, split.schemes);
            assertNull(feed(Arrays.copyOf(h, (Integer) a[2]), (int[]) a[1], 16384), "a truncated ClientHello parsed");
        });
    }

    @Test
    void samplesCarryTheirNames() throws Exception {
        List<String> names = new ArrayList<>();
        for (byte[] h : samples()) {
            names.add(feed(h, new int[0], 16384).name);
        }
        assertEquals(List.of("fuzz.test", "a-much-longer-name.with.many.labels.fuzz.test", "split.fuzz.test"), names);
    }
}
