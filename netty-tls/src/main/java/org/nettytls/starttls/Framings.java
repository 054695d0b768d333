package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;

/** The stateful and binary {@link Framing}s. */
final class Framings {
    /** Larger frames than this are refused as not being what the protocol says. */
    static final int MAX_BINARY_FRAME = 16 * 1024 * 1024;

    private Framings() {
    }

    static int berLength(ByteBuf in) {
        int r = in.readerIndex();
        int available = in.readableBytes();
        if (available < 2) {
            return -1;
        }
        int first = in.getUnsignedByte(r + 1);
        if (first < 0x80) {
            return 2 + first <= available ? 2 + first : -1;
        }
        int octets = first & 0x7f;
        if (octets == 0 || octets > 4) {
            // Indefinite lengths are not allowed in LDAP, and a longer length is not a message we take.
            throw new IllegalArgumentException("BER element with " + (octets == 0 ? "an indefinite" : "a " + octets + "-octet") + " length");
        }
        if (available < 2 + octets) {
            return -1;
        }
        long length = 0;
        for (int i = 0; i < octets; i++) {
            length = (length << 8) | in.getUnsignedByte(r + 2 + i);
        }
        if (length > MAX_BINARY_FRAME) {
            throw new IllegalArgumentException("BER element of " + length + " bytes");
        }
        long total = 2 + octets + length;
        return total <= available ? (int) total : -1;
    }

    static final int SSL_REQUEST_CODE = 80877103;
    static final int GSSENC_REQUEST_CODE = 80877104;

    static final class Postgres implements Framing {
        private boolean first = true;

        /** true: frontend messages (server reads); false: backend messages (client reads). */
        private final boolean frontend;

        Postgres(boolean frontend) {
            this.frontend = frontend;
        }

        @Override
        public int frameLength(ByteBuf in) {
            int r = in.readerIndex();
            if (first && !frontend) {
                if (!in.isReadable()) {
                    return -1;
                }
                first = false;
                byte b = in.getByte(r);
                // The answer to SSLRequest is one byte; anything else (an ErrorResponse) is a typed message.
                if (b == 'S' || b == 'N') {
                    return 1;
                }
            }
            int header = first ? 4 : 5;
            if (in.readableBytes() < header) {
                return -1;
            }
            long length = in.getUnsignedInt(r + header - 4);
            if (length < 4 || length > MAX_BINARY_FRAME) {
                throw new IllegalArgumentException("PostgreSQL message length " + length);
            }
            long total = header - 4 + length;
            if (total > in.readableBytes()) {
                return -1;
            }
            // SSLRequest and GSSENCRequest are followed by another untyped message when the server says N.
            first = first && length == 8 && (in.getInt(r + 4) == SSL_REQUEST_CODE || in.getInt(r + 4) == GSSENC_REQUEST_CODE);
            return (int) total;
        }
    }
}
