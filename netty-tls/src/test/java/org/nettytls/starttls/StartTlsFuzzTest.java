package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsException;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.fuzz.Samples;

/**
 * Fuzz target and properties for every STARTTLS protocol helper: the framings behind
 * {@link StartTlsHandler} (no byte lost or duplicated across arbitrary reads, no frame spanning two
 * protocol frames, bounded holding), the servers' command recognition and the clients' reply parsing.
 */
public final class StartTlsFuzzTest {
    /** Real conversations of each protocol, both directions, to mutate. */
    static final String[] TEXT = {
        "220 mail.fuzz.test ESMTP\r\n250-mail.fuzz.test\r\n250-STARTTLS\r\n250 SIZE 100\r\n220 2.0.0 Ready\r\n",
        "EHLO client\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\n", "* OK IMAP ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK done\r\na002 OK go\r\n",
        "a1 STARTTLS\r\n", "+OK POP3\r\n+OK caps\r\nSTLS\r\n.\r\n+OK go\r\n", "STLS\r\n", "220 ftp\r\n234 go\r\n", "AUTH TLS\r\n",
        "\"IMPLEMENTATION\" \"x\"\r\n\"STARTTLS\"\r\nOK\r\nOK go\r\n", "200 news\r\n101 caps\r\nSTARTTLS\r\n.\r\n382 go\r\n",
        "<?xml version='1.0'?><stream:stream from='x'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                + "</stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    };

    static List<byte[]> binarySamples() {
        ByteBuf request = Ldap.startTlsRequest(ByteBufAllocator.DEFAULT, 1);
        ByteBuf response = Ldap.startTlsResponse(ByteBufAllocator.DEFAULT, 1, 0, "fine");
        try {
            byte[] postgresFrontend = java.nio.ByteBuffer.allocate(17).putInt(8).putInt(Framings.SSL_REQUEST_CODE)
                    .put((byte) 'Q').putInt(8).put("sel\0".getBytes(StandardCharsets.US_ASCII)).array();
            return List.of(bytes(request), bytes(response), Samples.concat(bytes(request), bytes(response)),
                    postgresFrontend, new byte[] {'S', 'E', 0, 0, 0, 8, 'x', 'y', 'z', 'w'});
        } finally {
            request.release();
            response.release();
        }
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    /** Jazzer: the first byte picks a protocol and role, the second a maximum frame; the rest is fed in two reads. */
    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length < 2) {
            return;
        }
        StartTlsProtocol p = BuiltInProtocol.values()[(data[0] & 0x7f) % BuiltInProtocol.values().length];
        byte[] stream = Arrays.copyOfRange(data, 2, data.length);
        checkFraming(p, data[0] < 0, stream, new int[] {stream.length / 2}, 8 + (data[1] & 0xff));
        checkDialogsAndReplies(p, stream);
    }

    /**
     * Feeds {@code stream} through a StartTlsHandler in plaintext, cut into reads at {@code cuts}:
     * what it hands on, followed by what it holds, is the input exactly; it holds at most
     * {@code maxFrame} bytes; no frame handed on reaches past a frame end of the protocol; a framing
     * refusal is a TlsException and closes the channel.
     */
    static void checkFraming(StartTlsProtocol protocol, boolean server, byte[] stream, int[] cuts, int maxFrame) {
        Framing framing = server ? protocol.serverFraming() : protocol.clientFraming();
        List<Throwable> failures = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new StartTlsHandler(framing, StartTlsHandler.PlaintextPolicy.FAIL, maxFrame),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        failures.add(cause);
                    }
                });
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        List<byte[]> frames = new ArrayList<>();
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length && ch.isOpen(); i++) {
                int to = i < cuts.length ? Math.min(Math.max(cuts[i], from), stream.length) : stream.length;
                ch.writeInbound(Unpooled.copiedBuffer(stream, from, to - from));
                from = to;
                for (ByteBuf f; (f = ch.readInbound()) != null; ) {
                    byte[] frame = bytes(f);
                    f.release();
                    frames.add(frame);
                    passed.writeBytes(frame);
                }
                byte[] soFar = passed.toByteArray();
                assertArrayEquals(Arrays.copyOf(stream, soFar.length), soFar, "bytes handed on are not the input's prefix");
                if (failures.isEmpty()) {
                    assertTrue(from - soFar.length <= maxFrame, "holds " + (from - soFar.length) + " bytes, over " + maxFrame);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        for (Throwable t : failures) {
            assertTrue(t instanceof TlsException, "a framing failure that is no TlsException: " + t);
        }
        for (int i = 0; i < frames.size(); i++) {
            checkFrame(protocol, frames.get(i), maxFrame);
        }
    }

    private static void checkFrame(StartTlsProtocol protocol, byte[] frame, int maxFrame) {
        byte end = protocol == StartTlsProtocol.XMPP ? (byte) '>' : (byte) '\n';
        if (protocol == StartTlsProtocol.LDAP || protocol == StartTlsProtocol.POSTGRES) {
            assertTrue(frame.length <= 6 + Framings.MAX_BINARY_FRAME, "a binary frame of " + frame.length + " bytes");
            return;
        }
        for (int i = 0; i < frame.length - 1; i++) {
            assertTrue(frame[i] != end, "a frame reaches past a frame end at " + i + ": " + Bytes.show(frame));
        }
        assertTrue(frame.length > 0 && (frame[frame.length - 1] == end || frame.length > maxFrame),
                "an unterminated frame of " + frame.length + " bytes, within the limit " + maxFrame);
    }

    /** The server's recognition of the command and the client's reading of replies take any frame. */
    static void checkDialogsAndReplies(StartTlsProtocol protocol, byte[] frameBytes) {
        ByteBuf frame = Unpooled.wrappedBuffer(frameBytes);
        try {
            // The server's view takes any frame from either side, in any order, and moves no index.
            ServerDialog server = protocol.newServerDialog(true);
            for (int i = 0; i < 3; i++) {
                ServerDialog.Kind kind = server.fromClient(frame);
                server.fromServer(frame);
                server.settled();
                server.awaitingReply();
                ByteBuf reply = kind == ServerDialog.Kind.UPGRADE ? server.positiveReply(ByteBufAllocator.DEFAULT)
                        : kind == ServerDialog.Kind.REFUSE ? server.refusal(ByteBufAllocator.DEFAULT) : null;
                if (reply != null) {
                    reply.release();
                }
            }
            assertEquals(0, frame.readerIndex());
            if (frameBytes.length == 0) {
                return;
            }
            ClientDialog dialog = protocol.newClientDialog("fuzz.test");
            ByteBuf opening = dialog.opening(ByteBufAllocator.DEFAULT);
            if (opening != null) {
                opening.release();
            }
            for (int i = 0; i < 4; i++) {
                ClientDialog.Step step = dialog.onFrame(frame.duplicate());
                int outcomes = (step.send != null ? 1 : 0) + (step.upgrade ? 1 : 0) + (step.refusal != null ? 1 : 0);
                assertTrue(outcomes <= 1, "a step with " + outcomes + " outcomes");
                if (step.refusal != null || step.upgrade) {
                    break;
                }
            }
        } finally {
            frame.release();
        }
    }

    private static byte[] stream(Random r, List<byte[]> binary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            out.writeBytes(r.nextBoolean() ? binary.get(r.nextInt(binary.size())) : Bytes.ascii(TEXT[r.nextInt(TEXT.length)]));
        }
        return r.nextInt(3) == 0 ? out.toByteArray() : Bytes.mutate(out.toByteArray(), r);
    }

    @Test
    void framingsLoseNothingAcrossArbitraryReadsAndNeverSpanTwoFrames() {
        List<byte[]> binary = binarySamples();
        Property.forAll("STARTTLS framing", r -> {
            byte[] s = stream(r, binary);
            int[] cuts = new int[r.nextInt(8)];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = r.nextInt(s.length + 1);
            }
            Arrays.sort(cuts);
            return new Object[] {BuiltInProtocol.values()[r.nextInt(BuiltInProtocol.values().length)], r.nextBoolean(), s, cuts,
                8 + r.nextInt(r.nextBoolean() ? 64 : 4096)};
        }).tries(2500).show(a -> a[0] + (Boolean.TRUE.equals(a[1]) ? " server " : " client ") + Bytes.show((byte[]) a[2])
                + " cut at " + Arrays.toString((int[]) a[3]) + " max " + a[4])
                .check(a -> checkFraming((StartTlsProtocol) a[0], (Boolean) a[1], (byte[]) a[2], (int[]) a[3], (Integer) a[4]));
    }

    @Test
    void commandsAndRepliesOfEveryProtocolTakeAnyFrame() {
        List<byte[]> binary = binarySamples();
        Property.forAll("STARTTLS commands and replies", r -> new Object[] {
            BuiltInProtocol.values()[r.nextInt(BuiltInProtocol.values().length)], stream(r, binary)})
                .tries(3000).show(a -> a[0] + " " + Bytes.show((byte[]) a[1]))
                .check(a -> checkDialogsAndReplies((StartTlsProtocol) a[0], (byte[]) a[1]));
    }
}
