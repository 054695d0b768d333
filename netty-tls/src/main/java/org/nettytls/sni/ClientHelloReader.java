package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

/**
 * Collects the ClientHello handshake message from the TLS records at the start of a connection,
 * without consuming them (the {@code SslHandler} that follows reads the same bytes again).
 *
 * <p>It reads only what a well-formed start of a TLS connection looks like: handshake records
 * (RFC 8446 5.1) of 1 to 2^14 bytes whose first message is a ClientHello, and the warning alerts
 * BoringSSL skips among them (at most {@value #MAX_WARNING_RUN} in a row; a hello after more than
 * {@value #MAX_WARNINGS} in all is refused, a deliberate difference that bounds what a client can
 * make the selector hold). Anything else is not
 * its to judge: it says {@link Kind#HAND_OVER} at the first byte that departs from that shape, and
 * BoringSSL, reading the same bytes from the start, gives its own answer (an alert, a wait for
 * more, a ServerHello). The one refusal of its own is a ClientHello announcing more than the limit,
 * seen in its handshake header, the moment BoringSSL refuses one over its own limit. Every length is
 * checked before a byte is copied, so a client can make it hold at most the limit and one record.
 * Not thread-safe: one per connection, used on its event loop.
 */
final class ClientHelloReader {
    static final int RECORD_HEADER = 5;
    static final int HANDSHAKE_HEADER = 4;
    /** RFC 8446 5.1: a record's plaintext fragment is at most 2^14 bytes. */
    static final int MAX_FRAGMENT = 1 << 14;
    private static final int CONTENT_ALERT = 21;
    private static final int CONTENT_HANDSHAKE = 22;
    /** BoringSSL's kMaxWarningAlerts: it skips this many warning alerts in a row, and refuses the next. */
    static final int MAX_WARNING_RUN = 4;
    /** Warning alerts skipped in all before the selector refuses the hello itself (bounds what a client makes it hold). */
    static final int MAX_WARNINGS = 16;
    private static final int CLIENT_HELLO = 1;

    /** What the bytes so far are. */
    enum Kind {
        /** Well-formed so far; more bytes are needed. */
        NEED_MORE,
        /** The whole ClientHello: {@link Result#body}. */
        HELLO,
        /** The first bytes are no TLS record (Netty's test, as the error trap makes it): plaintext, or an SSLv2-format hello. */
        NOT_TLS,
        /** TLS records, but not a plain ClientHello in handshake records: BoringSSL judges them. */
        HAND_OVER,
        /** A ClientHello announcing more bytes than the limit: refused with illegal_parameter, as BoringSSL refuses one over its own. */
        TOO_LARGE
    }

    /** The verdict, with the body of a complete ClientHello (the caller releases it) or what departed from the usual shape. */
    static final class Result {
        static final Result NEED_MORE = new Result(Kind.NEED_MORE, null, null);

        final Kind kind;
        final ByteBuf body;
        final String problem;

        private Result(Kind kind, ByteBuf body, String problem) {
            this.kind = kind;
            this.body = body;
            this.problem = problem;
        }
    }

    private final int maxLength;
    private ByteBuf message;
    /** Bytes of the input, counted from its reader index, already taken apart into records. */
    private int consumed;
    private int bodyLength = -1;
    private int warningRun;
    private int warnings;

    ClientHelloReader(int maxLength) {
        this.maxLength = maxLength;
    }

    /** Bytes seen so far, for messages. */
    int received() {
        return consumed;
    }

    /** Reads the records {@code in} holds beyond those already read; never moves its indexes. */
    Result read(ByteBuf in, ByteBufAllocator alloc) {
        while (true) {
            int at = in.readerIndex() + consumed;
            int available = in.writerIndex() - at;
            if (available < RECORD_HEADER) {
                return Result.NEED_MORE;
            }
            if (consumed == 0 && !SslHandler.isEncrypted(in.slice(at, RECORD_HEADER), false)) {
                return new Result(Kind.NOT_TLS, null, "sent no TLS record: expected a handshake record (0x16), found '"
                        + Escape.bytes(in, at, Math.min(16, available)) + "'");
            }
            int type = in.getUnsignedByte(at);
            int length = in.getUnsignedShort(at + 3);
            if (type == CONTENT_ALERT && length == 2 && in.getUnsignedByte(at + 1) == 3) {
                // BoringSSL discards warning alerts (other than close_notify) before and between the
                // hello's records, then reads the hello: so must the selector, or the hello would go
                // to the default certificate while BoringSSL reads, and reports, the name in it.
                if (available < RECORD_HEADER + 2) {
                    return Result.NEED_MORE;
                }
                if (in.getUnsignedByte(at + RECORD_HEADER) == 1 && in.getUnsignedByte(at + RECORD_HEADER + 1) != 0) {
                    if (++warningRun > MAX_WARNING_RUN) {
                        return handOver("sent more than " + MAX_WARNING_RUN + " warning alerts in a row");
                    }
                    if (++warnings > MAX_WARNINGS) {
                        release();
                        return new Result(Kind.TOO_LARGE, null, "sent more than " + MAX_WARNINGS
                                + " warning alerts before its ClientHello was complete");
                    }
                    consumed += RECORD_HEADER + 2;
                    continue;
                }
            }
            if (type != CONTENT_HANDSHAKE) {
                return handOver("sent a record of content type " + type + " before its ClientHello was complete");
            }
            if (in.getUnsignedByte(at + 1) != 3) {
                return handOver("sent a record of version " + in.getUnsignedByte(at + 1) + "." + in.getUnsignedByte(at + 2));
            }
            if (length == 0 || length > MAX_FRAGMENT) {
                return handOver("sent a handshake record of " + length + " bytes (TLS allows 1 to " + MAX_FRAGMENT + ")");
            }
            if (available < RECORD_HEADER + length) {
                return Result.NEED_MORE;
            }
            int start = at + RECORD_HEADER;
            warningRun = 0;
            if (message == null && length >= HANDSHAKE_HEADER) {
                Result header = header(in.getUnsignedByte(start), in.getUnsignedMedium(start + 1));
                if (header != null) {
                    return header;
                }
                if (HANDSHAKE_HEADER + bodyLength <= length) {
                    // The usual case, the whole ClientHello in the first record: a view, not a copy.
                    consumed += RECORD_HEADER + length;
                    return new Result(Kind.HELLO, in.retainedSlice(start + HANDSHAKE_HEADER, bodyLength), null);
                }
            }
            append(in, start, length, alloc);
            consumed += RECORD_HEADER + length;
            if (bodyLength < 0 && message.readableBytes() >= HANDSHAKE_HEADER) {
                Result header = header(message.getUnsignedByte(0), message.getUnsignedMedium(1));
                if (header != null) {
                    return header;
                }
            }
            if (bodyLength >= 0 && message.readableBytes() >= HANDSHAKE_HEADER + bodyLength) {
                // Whatever follows the ClientHello in its last record belongs to later messages,
                // which the SslHandler judges; only the ClientHello is returned.
                ByteBuf body = message.retainedSlice(HANDSHAKE_HEADER, bodyLength);
                release();
                return new Result(Kind.HELLO, body, null);
            }
        }
    }

    /** The handshake header, once its four bytes are in: {@code null} for a ClientHello within the limit. */
    private Result header(int msgType, int length) {
        if (msgType != CLIENT_HELLO) {
            return handOver("sent a handshake message of type " + msgType + " first, not a ClientHello (1)");
        }
        if (length > maxLength) {
            return new Result(Kind.TOO_LARGE, null, "announced a ClientHello of " + length
                    + " bytes, over the limit of " + maxLength + " bytes");
        }
        bodyLength = length;
        return null;
    }

    private Result handOver(String problem) {
        release();
        return new Result(Kind.HAND_OVER, null, problem);
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

    /** Frees what was collected; the reader is done. */
    void release() {
        if (message != null) {
            message.release();
            message = null;
        }
    }
}
