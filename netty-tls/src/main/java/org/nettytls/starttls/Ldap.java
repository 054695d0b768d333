package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Just enough BER for LDAP's StartTLS extended operation (RFC 4511 sections 4.12 and 4.14). */
final class Ldap {
    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;
    private static final int ENUMERATED = 0x0a;
    private static final int OCTET_STRING = 0x04;
    private static final int EXTENDED_REQUEST = 0x77;
    private static final int EXTENDED_RESPONSE = 0x78;
    private static final int REQUEST_NAME = 0x80;
    private static final int RESPONSE_NAME = 0x8a;

    private Ldap() {
    }

    /** A reader over one BER element's contents; every method returns -1 (or null) for what is not there. */
    private static final class Reader {
        private final ByteBuf b;
        private int pos;
        private final int end;

        Reader(ByteBuf b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        /** Enters the element with {@code tag}: returns a reader over its contents, or null. */
        Reader enter(int tag) {
            if (pos + 2 > end || b.getUnsignedByte(pos) != tag) {
                return null;
            }
            int len = b.getUnsignedByte(pos + 1);
            int start = pos + 2;
            if (len >= 0x80) {
                int octets = len & 0x7f;
                if (octets == 0 || octets > 3 || start + octets > end) {
                    return null;
                }
                len = 0;
                for (int i = 0; i < octets; i++) {
                    len = (len << 8) | b.getUnsignedByte(start + i);
                }
                start += octets;
            }
            if (start + len > end) {
                return null;
            }
            pos = start + len;
            return new Reader(b, start, start + len);
        }

        long integer(int tag) {
            Reader r = enter(tag);
            if (r == null || r.end - r.pos < 1 || r.end - r.pos > 4) {
                return -1;
            }
            long v = 0;
            for (int i = r.pos; i < r.end; i++) {
                v = (v << 8) | r.b.getUnsignedByte(i);
            }
            return v;
        }

        String string(int tag) {
            Reader r = enter(tag);
            return r == null ? null : r.b.toString(r.pos, r.end - r.pos, StandardCharsets.UTF_8);
        }
    }

    /** The messageID of a StartTLS ExtendedRequest in {@code frame}, or -1 if it is none. */
    static int startTlsRequestId(ByteBuf frame) {
        Reader message = new Reader(frame, frame.readerIndex(), frame.writerIndex()).enter(SEQUENCE);
        if (message == null) {
            return -1;
        }
        long id = message.integer(INTEGER);
        Reader op = message.enter(EXTENDED_REQUEST);
        if (id < 0 || op == null) {
            return -1;
        }
        return BuiltInProtocol.LDAP_STARTTLS_OID.equals(op.string(REQUEST_NAME)) ? (int) id : -1;
    }

    /** The resultCode of the ExtendedResponse to messageID {@code id} in {@code frame}, or -1 if it is none. */
    static int extendedResultCode(ByteBuf frame, int id) {
        Reader message = new Reader(frame, frame.readerIndex(), frame.writerIndex()).enter(SEQUENCE);
        if (message == null || message.integer(INTEGER) != id) {
            return -1;
        }
        Reader op = message.enter(EXTENDED_RESPONSE);
        return op == null ? -1 : (int) op.integer(ENUMERATED);
    }

    static ByteBuf startTlsRequest(ByteBufAllocator alloc, int id) {
        byte[] oid = BuiltInProtocol.LDAP_STARTTLS_OID.getBytes(StandardCharsets.US_ASCII);
        ByteBuf op = alloc.buffer();
        tlv(op, REQUEST_NAME, oid);
        return message(alloc, id, EXTENDED_REQUEST, op);
    }

    static ByteBuf startTlsResponse(ByteBufAllocator alloc, int id, int resultCode, String diagnostic) {
        ByteBuf op = alloc.buffer();
        tlv(op, ENUMERATED, new byte[] {(byte) resultCode});
        tlv(op, OCTET_STRING, new byte[0]);
        tlv(op, OCTET_STRING, diagnostic.getBytes(StandardCharsets.UTF_8));
        tlv(op, RESPONSE_NAME, BuiltInProtocol.LDAP_STARTTLS_OID.getBytes(StandardCharsets.US_ASCII));
        return message(alloc, id, EXTENDED_RESPONSE, op);
    }

    private static ByteBuf message(ByteBufAllocator alloc, int id, int opTag, ByteBuf op) {
        ByteBuf body = alloc.buffer();
        try {
            tlv(body, INTEGER, integerBytes(id));
            body.writeByte(opTag);
            length(body, op.readableBytes());
            body.writeBytes(op);
            ByteBuf out = alloc.buffer(body.readableBytes() + 6);
            out.writeByte(SEQUENCE);
            length(out, body.readableBytes());
            out.writeBytes(body);
            return out;
        } finally {
            body.release();
            op.release();
        }
    }

    private static byte[] integerBytes(int v) {
        if (v < 0x80) {
            return new byte[] {(byte) v};
        } else if (v < 0x8000) {
            return new byte[] {(byte) (v >> 8), (byte) v};
        }
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    private static void tlv(ByteBuf out, int tag, byte[] value) {
        out.writeByte(tag);
        length(out, value.length);
        out.writeBytes(value);
    }

    private static void length(ByteBuf out, int len) {
        if (len < 0x80) {
            out.writeByte(len);
        } else if (len < 0x100) {
            out.writeByte(0x81).writeByte(len);
        } else {
            out.writeByte(0x82).writeShort(len);
        }
    }
}
