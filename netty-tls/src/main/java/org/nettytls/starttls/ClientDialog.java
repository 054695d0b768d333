package org.nettytls.starttls;

import org.nettytls.annotation.Experimental;
import org.nettytls.annotation.Spi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A client's side of a protocol up to its upgrade point: what it sends, and what each frame the
 * server sends means. One instance per connection. Implement it for a {@link StartTlsProtocol} of
 * your own. <b>Experimental</b>.
 */
@Spi
@Experimental
public abstract class ClientDialog {
    /** What a frame from the server leads to. */
    public static final class Step {
        /** Nothing to do yet: wait for the next frame. */
        public static final Step WAIT = new Step(null, false, null);
        /** The positive answer: start TLS now. */
        public static final Step UPGRADE = new Step(null, true, null);

        final String send;
        final boolean upgrade;
        final String refusal;

        private Step(String send, boolean upgrade, String refusal) {
            this.send = send;
            this.upgrade = upgrade;
            this.refusal = refusal;
        }

        /**
         * Send {@code text} (as {@link ClientDialog#encode} encodes it) and wait.
         *
         * @param text the command, e.g. {@code STARTTLS}
         * @return the step
         */
        public static Step send(String text) {
            return new Step(text, false, null);
        }

        /**
         * The server does not let the client upgrade: {@code expected}, then what was found.
         *
         * @param expected what the dialog needed to see
         * @param found what the server sent instead
         * @return the step
         */
        public static Step refuse(String expected, String found) {
            return new Step(null, false, "expected " + expected + ", found " + found);
        }
    }

    /**
     * The first bytes to send after connecting, or {@code null} when the server speaks first.
     *
     * @param alloc the channel's allocator
     * @return the bytes, or {@code null}
     */
    protected ByteBuf opening(ByteBufAllocator alloc) {
        return null;
    }

    /**
     * Bytes for {@link Step#send}: the protocol's text as it goes on the wire.
     *
     * @param alloc the channel's allocator
     * @param text the text of a {@link Step#send}
     * @return the bytes to write
     */
    protected ByteBuf encode(ByteBufAllocator alloc, String text) {
        return BuiltInProtocol.ascii(alloc, text);
    }

    /**
     * Judges one frame the server sent, as the protocol's framing cut it (a line, or a whole
     * multi-line reply), and says what to do next.
     *
     * @param frame the frame; released by the caller after this returns, so copy what you keep
     * @return the next step: {@link Step#send}, {@link Step#WAIT}, {@link Step#UPGRADE} to start the TLS
     *     handshake, or {@link Step#refuse} to fail with {@code STARTTLS_REFUSED}
     */
    protected abstract Step onFrame(ByteBuf frame);

    static String line(ByteBuf frame) {
        return BuiltInProtocol.stripEol(frame.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** A line as it appears in an error message. */
    static String quoted(String line) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < line.length() && i < 80; i++) {
            char c = line.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return sb.append(line.length() > 80 ? "...'" : "'").toString();
    }
}
