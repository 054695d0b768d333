package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The record reader and the ClientHello parser on real, truncated, trickled and mutated input. */
class ClientHelloTest {
    /** The hello in {@code bytes}, {@code null} while more is needed; fails on any other verdict. */
    private static ClientHello readAll(byte[] bytes, int max) {
        ClientHelloReader.Result read = read(bytes, max);
        if (read.kind == ClientHelloReader.Kind.NEED_MORE) {
            return null;
        }
        assertEquals(ClientHelloReader.Kind.HELLO, read.kind, read.problem);
        try {
            return ClientHello.parse(read.body);
        } finally {
            read.body.release();
        }
    }

    private static ClientHelloReader.Result read(byte[] bytes, int max) {
        ClientHelloReader r = new ClientHelloReader(max);
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            return r.read(in, ByteBufAllocator.DEFAULT);
        } finally {
            r.release();
            in.release();
        }
    }

    @Test
    void readsTheNameAndSchemesOfARealClientHello() throws Exception {
        ClientHello h = readAll(ClientHelloLimitsTest.clientHello("a.test"), 16384);
        assertNotNull(h);
        assertEquals("a.test", h.hostName());
        assertEquals(ClientHello.NameStatus.NAME, h.status());
        assertTrue(Arrays.stream(h.signatureSchemes()).anyMatch(s -> s == 0x0403), "Netty's client offers ECDSA P-256");
    }

    @Test
    void oneByteAtATimeNeedsMoreUntilTheLastByte() throws Exception {
        byte[] hello = ClientHelloLimitsTest.clientHello("trickle.test");
        ClientHelloReader r = new ClientHelloReader(16384);
        ByteBuf in = Unpooled.buffer();
        try {
            for (int i = 0; i < hello.length; i++) {
                in.writeByte(hello[i]);
                ClientHelloReader.Result read = r.read(in, ByteBufAllocator.DEFAULT);
                if (i < hello.length - 1) {
                    assertEquals(ClientHelloReader.Kind.NEED_MORE, read.kind, "complete after " + (i + 1) + " of " + hello.length + " bytes");
                } else {
                    assertNotNull(read.body);
                    assertEquals("trickle.test", ClientHello.parse(read.body).hostName());
                    read.body.release();
                }
            }
            assertEquals(0, in.readerIndex(), "the reader must leave the bytes for the SslHandler");
        } finally {
            r.release();
            in.release();
        }
    }

    @Test
    void aClientHelloSplitIntoOneByteRecordsIsReassembled() throws Exception {
        byte[] hello = ClientHelloLimitsTest.clientHello("split.test");
        int bodyLength = ((hello[3] & 0xff) << 8) | (hello[4] & 0xff);
        ByteBuf split = Unpooled.buffer();
        for (int i = 0; i < bodyLength; i++) {
            split.writeBytes(new byte[] {22, 3, 1, 0, 1, hello[5 + i]});
        }
        byte[] bytes = new byte[split.readableBytes()];
        split.readBytes(bytes);
        split.release();
        assertEquals("split.test", readAll(bytes, 16384).hostName());
    }

    @Test
    void everyTruncationOfTheBodyIsUnreadableForBoringSslToJudge() throws Exception {
        byte[] hello = ClientHelloLimitsTest.clientHello("a.test");
        byte[] body = Arrays.copyOfRange(hello, 9, hello.length);
        for (int n = 0; n < body.length; n++) {
            ByteBuf b = Unpooled.wrappedBuffer(body, 0, n);
            try {
                ClientHello h = ClientHello.parse(b);
                // Cutting exactly before the extensions leaves a well-formed hello without them.
                boolean noExtensions = n == 2 + 32 + 1 + (body[34] & 0xff) + 2 + suitesLength(body) + 1 + compressionLength(body);
                assertEquals(noExtensions ? ClientHello.NameStatus.NONE : ClientHello.NameStatus.UNREADABLE, h.status(),
                        "a truncation to " + n + " bytes");
                assertTrue(noExtensions || h.problem() != null);
            } finally {
                b.release();
            }
        }
    }

    private static int suitesLength(byte[] body) {
        int at = 2 + 32 + 1 + (body[34] & 0xff);
        return ((body[at] & 0xff) << 8) | (body[at + 1] & 0xff);
    }

    private static int compressionLength(byte[] body) {
        int at = 2 + 32 + 1 + (body[34] & 0xff) + 2 + suitesLength(body);
        return body[at] & 0xff;
    }

    /** Random mutations of a real ClientHello: each is read to a verdict, never an exception. */
    @Test
    void mutatedClientHellosNeverEscapeAsExceptions() throws Exception {
        byte[] hello = ClientHelloLimitsTest.clientHello("mutant.test");
        Random random = new Random(4);
        for (int round = 0; round < 4_000; round++) {
            byte[] m = hello.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(4) == 0) {
                m = Arrays.copyOf(m, random.nextInt(m.length + 1));
            }
            try {
                ClientHelloReader.Result read = read(m, 16384);
                if (read.body != null) {
                    try {
                        assertNotNull(ClientHello.parse(read.body).status());
                    } finally {
                        read.body.release();
                    }
                }
            } catch (RuntimeException e) {
                fail("round " + round + " escaped: " + e, e);
            }
        }
    }

    /** The names BoringSSL refuses are left to it (it answers unrecognized_name); those with control bytes are the selector's to refuse. */
    @Test
    void namesAreJudgedAsBoringSslWouldThenControlBytesRefused() {
        assertEquals(ClientHello.NameStatus.UNREADABLE, status(helloWithSni(new byte[] {'a', 0, 'b'})));
        assertEquals(ClientHello.NameStatus.UNREADABLE, status(helloWithSni(new byte[0])));
        assertEquals(ClientHello.NameStatus.UNREADABLE, status(helloWithSni(new byte[256])));
        ByteBuf esc = helloWithSni(new byte[] {'a', 0x1b, '[', 'b'});
        try {
            ClientHello h = ClientHello.parse(esc);
            assertEquals(ClientHello.NameStatus.REFUSED, h.status());
            assertEquals("a\\x1b[b", h.hostName());
            assertTrue(h.problem().contains("'a\\x1b[b'"), h::problem);
        } finally {
            esc.release();
        }
        assertEquals(ClientHello.NameStatus.REFUSED, status(helloWithSni("b\u00e4r.test".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertEquals(ClientHello.NameStatus.NAME, status(helloWithSni("two words.test".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    }

    private static ClientHello.NameStatus status(ByteBuf b) {
        try {
            return ClientHello.parse(b).status();
        } finally {
            b.release();
        }
    }

    @Test
    void twoHostNamesAreLeftToBoringSsl() throws Exception {
        ByteBuf ext = Unpooled.buffer();
        byte[] a = "a.test".getBytes();
        ext.writeShort(2 * (3 + a.length));
        for (int i = 0; i < 2; i++) {
            ext.writeByte(0).writeShort(a.length).writeBytes(a);
        }
        ByteBuf b = hello(0, ext);
        try {
            ClientHello h = ClientHello.parse(b);
            assertEquals(ClientHello.NameStatus.UNREADABLE, h.status());
            assertTrue(h.problem().contains("not exactly one name") && h.problem().contains("decode_error"), h::problem);
        } finally {
            b.release();
        }
    }

    @Test
    void firstBytesThatAreNotTlsAreSaidToBeSo() {
        ClientHelloReader.Result plain = read("EHLO x\r\n".getBytes(), 16384);
        assertEquals(ClientHelloReader.Kind.NOT_TLS, plain.kind);
        assertTrue(plain.problem.contains("'EHLO x\\x0d\\x0a'"), plain.problem);
        assertEquals(ClientHelloReader.Kind.NOT_TLS, read(new byte[] {(byte) 0x80, 0x2e, 1, 3, 1}, 16384).kind);
    }

    @Test
    void recordsThatAreNoPlainClientHelloAreHandedOver() {
        ClientHelloReader.Result big = read(new byte[] {22, 3, 1, (byte) 0x48, 0}, 16384);
        assertEquals(ClientHelloReader.Kind.HAND_OVER, big.kind);
        assertTrue(big.problem.contains("TLS allows 1 to 16384"), big.problem);
        assertEquals(ClientHelloReader.Kind.HAND_OVER, read(new byte[] {21, 3, 3, 0, 2, 2, 40}, 16384).kind);
        assertEquals(ClientHelloReader.Kind.HAND_OVER, read(new byte[] {22, 3, 3, 0, 4, 2, 0, 0, 0}, 16384).kind);
    }

    @Test
    void aClientHelloOverTheLimitIsToldFromItsHeader() {
        ClientHelloReader.Result r = read(new byte[] {22, 3, 1, 0, 4, 1, 0, 0x40, 1}, 16384);
        assertEquals(ClientHelloReader.Kind.TOO_LARGE, r.kind);
        assertTrue(r.problem.contains("16385 bytes, over the limit of 16384"), r.problem);
        assertEquals(ClientHelloReader.Kind.NEED_MORE, read(new byte[] {22, 3, 1, 0, 4, 1, 0, 0x40, 0}, 16384).kind);
    }

    @Test
    void alpnProtocolsAreReadForLaterChoices() {
        ByteBuf ext = Unpooled.buffer();
        ext.writeShort(1 + 10 + 1 + 2).writeByte(10).writeBytes("acme-tls/1".getBytes()).writeByte(2).writeBytes("h2".getBytes());
        ByteBuf b = hello(16, ext);
        try {
            assertEquals(java.util.List.of("acme-tls/1", "h2"), ClientHello.parse(b).alpnProtocols());
        } finally {
            b.release();
        }
    }

    private static ByteBuf helloWithSni(byte[] name) {
        ByteBuf ext = Unpooled.buffer();
        ext.writeShort(3 + name.length).writeByte(0).writeShort(name.length).writeBytes(name);
        return hello(0, ext);
    }

    private static ByteBuf hello(int extType, ByteBuf ext) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x0303).writeBytes(new byte[32]).writeByte(0).writeShort(2).writeShort(0x1301).writeByte(1).writeByte(0);
        b.writeShort(4 + ext.readableBytes()).writeShort(extType).writeShort(ext.readableBytes()).writeBytes(ext);
        ext.release();
        return b;
    }

    @Test
    void signatureAlgorithmsAreReadInOrder() throws Exception {
        ByteBuf ext = Unpooled.buffer();
        ext.writeShort(4).writeShort(0x0403).writeShort(0x0804);
        ByteBuf b = hello(13, ext);
        try {
            assertArrayEquals(new int[] {0x0403, 0x0804}, ClientHello.parse(b).signatureSchemes());
        } finally {
            b.release();
        }
    }
}
