package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;

/**
 * Collects the ClientHello handshake message from the TLS records at the start of a connection,
 * without consuming them (the {@code SslHandler} that follows reads the same bytes again).
 * Every length is checked against what the record layer allows and against the limit before a
 * byte is copied, so a client can make it hold at most the limit, whatever it sends.
 * Not thread-safe: one per connection, used on its event loop.
 */
final class ClientHelloReader {
    static final int RECORD_HEADER = 5;
    static final int HANDSHAKE_HEADER = 4;
    /** RFC 8446 5.1: a record's plaintext fragment is at most 2^14 bytes. */
    static final int MAX_FRAGMENT = 1 << 14;
    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;

    private final int maxLength;
    private ByteBuf message;
    /** Bytes of the input, counted from its reader index, already taken apart into records. */
    private int consumed;
    private int bodyLength = -1;

    ClientHelloReader(int maxLength) {
        this.maxLength = maxLength;
    }

    /** Bytes seen so far, for messages. */
    int received() {
        return consumed;
    }

    /**
     * Reads the records {@code in} holds beyond those already read. Returns the ClientHello body
     * (after the four-byte handshake header; the caller releases it) once complete, {@code null}
     * while more bytes are needed.
     *
     * @throws TlsException {@link TlsErrorCode#PLAINTEXT_ON_TLS_PORT} when the first bytes are not
     *         a TLS handshake record; {@link TlsErrorCode#HANDSHAKE_FAILED} for a malformed record
     *         sequence or a ClientHello above the limit
     */
    ByteBuf read(ByteBuf in, ByteBufAllocator alloc) throws TlsException {
        while (true) {
            int at = in.readerIndex() + consumed;
            int available = in.writerIndex() - at;
            if (consumed == 0 && available > 0) {
                checkFirstByte(in.getUnsignedByte(at), in, at);
            }
            if (available < RECORD_HEADER) {
                return null;
            }
            int type = in.getUnsignedByte(at);
            int major = in.getUnsignedByte(at + 1);
            int length = in.getUnsignedShort(at + 3);
            if (type != CONTENT_HANDSHAKE) {
                throw malformed("a record of content type " + type + " came before the ClientHello was complete");
            }
            if (major != 3) {
                throw malformed("record version " + major + "." + in.getUnsignedByte(at + 2) + " is not TLS");
            }
            if (length == 0 || length > MAX_FRAGMENT) {
                throw malformed("a handshake record of " + length + " bytes (TLS allows 1 to " + MAX_FRAGMENT + ")");
            }
            if (available < RECORD_HEADER + length) {
                return null;
            }
            if (message == null && length >= HANDSHAKE_HEADER) {
                int start = at + RECORD_HEADER;
                checkHeader(in.getUnsignedByte(start), in.getUnsignedMedium(start + 1));
                if (HANDSHAKE_HEADER + bodyLength <= length) {
                    // The usual case, the whole ClientHello in the first record: a view, not a copy.
                    consumed += RECORD_HEADER + length;
                    return in.retainedSlice(start + HANDSHAKE_HEADER, bodyLength);
                }
            }
            append(in, at + RECORD_HEADER, length, alloc);
            consumed += RECORD_HEADER + length;
            if (bodyLength < 0 && message.readableBytes() >= HANDSHAKE_HEADER) {
                checkHeader(message.getUnsignedByte(0), message.getUnsignedMedium(1));
            }
            if (bodyLength >= 0 && message.readableBytes() >= HANDSHAKE_HEADER + bodyLength) {
                // Whatever follows the ClientHello in its last record belongs to later messages,
                // which the SslHandler judges; only the ClientHello is returned.
                ByteBuf body = message.retainedSlice(HANDSHAKE_HEADER, bodyLength);
                release();
                return body;
            }
        }
    }

    /** The handshake header, once its four bytes are in: a ClientHello, and not over the limit. */
    private void checkHeader(int msgType, int length) throws TlsException {
        if (msgType != CLIENT_HELLO) {
            throw malformed("the first handshake message is of type " + msgType + ", not a ClientHello (1)");
        }
        if (length > maxLength) {
            throw new TlsException(TlsErrorCode.HANDSHAKE_FAILED, "ClientHello of " + length
                    + " bytes is over the limit of " + maxLength + " bytes");
        }
        bodyLength = length;
    }

    private void append(ByteBuf in, int from, int length, ByteBufAllocator alloc) {
        if (message == null) {
            message = alloc.buffer(length);
        }
        // Bounded without a check of its own: the header (4 bytes) is judged against the limit
        // as soon as it is complete, and reading stops with the record that completes the body,
        // so the buffer never outgrows the header, the limit and one record.
        message.writeBytes(in, from, length);
    }

    private static void checkFirstByte(int first, ByteBuf in, int at) throws TlsException {
        if (first == CONTENT_HANDSHAKE) {
            return;
        }
        if ((first & 0x80) != 0) {
            throw new TlsException(TlsErrorCode.HANDSHAKE_FAILED,
                    "an SSLv2-style ClientHello, which no supported protocol version uses");
        }
        int n = Math.min(16, in.writerIndex() - at);
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = in.getUnsignedByte(at + i);
            shown.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        throw new TlsException(TlsErrorCode.PLAINTEXT_ON_TLS_PORT,
                "expected a TLS handshake record (0x16), found '" + shown + "'");
    }

    private static TlsException malformed(String problem) {
        return new TlsException(TlsErrorCode.HANDSHAKE_FAILED, "malformed ClientHello: " + problem);
    }

    /** Frees what was collected; the reader is done. */
    void release() {
        if (message != null) {
            message.release();
            message = null;
        }
    }
}
