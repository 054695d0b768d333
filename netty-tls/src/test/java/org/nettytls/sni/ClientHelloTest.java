package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;

/** The record reader and the ClientHello parser on real, truncated, trickled and mutated input. */
class ClientHelloTest {
    private static ClientHello readAll(byte[] bytes, int max) throws TlsException {
        ClientHelloReader r = new ClientHelloReader(max);
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            ByteBuf body = r.read(in, ByteBufAllocator.DEFAULT);
            if (body == null) {
                return null;
            }
            try {
                return ClientHello.parse(body);
            } finally {
                body.release();
            }
        } finally {
            r.release();
            in.release();
        }
    }

    @Test
    void readsTheNameAndSchemesOfARealClientHello() throws Exception {
        ClientHello h = readAll(ClientHelloLimitsTest.clientHello("a.test"), 16384);
        assertNotNull(h);
        assertEquals("a.test", h.serverName());
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
                ByteBuf body = r.read(in, ByteBufAllocator.DEFAULT);
                if (i < hello.length - 1) {
                    assertNull(body, "complete after " + (i + 1) + " of " + hello.length + " bytes");
                } else {
                    assertNotNull(body);
                    assertEquals("trickle.test", ClientHello.parse(body).serverName());
                    body.release();
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
        assertEquals("split.test", readAll(bytes, 16384).serverName());
    }

    @Test
    void everyTruncationOfTheBodyIsRefusedNotThrownAround() throws Exception {
        byte[] hello = ClientHelloLimitsTest.clientHello("a.test");
        byte[] body = Arrays.copyOfRange(hello, 9, hello.length);
        for (int n = 0; n < body.length; n++) {
            ByteBuf b = Unpooled.wrappedBuffer(body, 0, n);
            try {
                ClientHello.parse(b);
                // Cutting exactly before the extensions leaves a well-formed hello without them.
                assertTrue(n == 2 + 32 + 1 + (body[34] & 0xff) + 2 + suitesLength(body) + 1 + compressionLength(body),
                        "a truncation to " + n + " bytes parsed");
            } catch (TlsException e) {
                assertEquals(TlsErrorCode.HANDSHAKE_FAILED, e.code());
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

    /** Random mutations of a real ClientHello: each either parses or fails with a TlsException. */
    @Test
    void mutatedClientHellosNeverEscapeAsOtherExceptions() throws Exception {
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
                readAll(m, 16384);
            } catch (TlsException expected) {
                assertNotNull(expected.code());
            } catch (RuntimeException e) {
                fail("round " + round + " escaped: " + e, e);
            }
        }
    }

    @Test
    void namesThatAreNoHostNamesAreRefused() {
        assertThrows(TlsException.class, () -> ClientHello.parse(helloWithSni(new byte[] {'a', 0, 'b'})));
        assertThrows(TlsException.class, () -> ClientHello.parse(helloWithSni(new byte[0])));
    }

    @Test
    void twoHostNamesAreRefused() throws Exception {
        ByteBuf ext = Unpooled.buffer();
        byte[] a = "a.test".getBytes();
        ext.writeShort(2 * (3 + a.length));
        for (int i = 0; i < 2; i++) {
            ext.writeByte(0).writeShort(a.length).writeBytes(a);
        }
        TlsException e = assertThrows(TlsException.class, () -> ClientHello.parse(hello(0, ext)));
        assertTrue(e.getMessage().contains("two host_name"), e::getMessage);
    }

    @Test
    void firstBytesThatAreNotTlsAreReportedAsPlaintext() {
        TlsException e = assertThrows(TlsException.class, () -> readAll("EHLO x\r\n".getBytes(), 16384));
        assertEquals(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, e.code());
        TlsException v2 = assertThrows(TlsException.class, () -> readAll(new byte[] {(byte) 0x80, 0x2e, 1, 3, 1}, 16384));
        assertTrue(v2.getMessage().contains("SSLv2"), v2::getMessage);
    }

    @Test
    void aRecordLongerThanTlsAllowsIsRefused() {
        TlsException e = assertThrows(TlsException.class, () -> readAll(new byte[] {22, 3, 1, (byte) 0x48, 0}, 16384));
        assertTrue(e.getMessage().contains("TLS allows 1 to 16384"), e::getMessage);
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
