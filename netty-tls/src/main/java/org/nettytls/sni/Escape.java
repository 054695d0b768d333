package org.nettytls.sni;

import io.netty.buffer.ByteBuf;

/**
 * Bytes a client sent, made safe to print: printable ASCII as it is, everything else (control
 * bytes, DEL, bytes of UTF-8 or any other encoding) and the backslash as {@code \xNN}, so that a
 * log line shows exactly what came and a terminal or log reader interprets none of it.
 */
final class Escape {
    private Escape() {
    }

    static String bytes(ByteBuf b, int from, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = from; i < from + length; i++) {
            int c = b.getUnsignedByte(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }

    static String bytes(byte[] b) {
        return bytes(io.netty.buffer.Unpooled.wrappedBuffer(b), 0, b.length);
    }
}
