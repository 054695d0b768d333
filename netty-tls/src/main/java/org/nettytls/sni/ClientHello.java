package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;

/**
 * What the selector needs from a ClientHello body (RFC 8446 4.1.2, RFC 5246 7.4.1.2), parsed with
 * every length checked against what encloses it: the requested server name (RFC 6066 3) and the
 * offered signature schemes. BoringSSL picks the certificate itself; the schemes only let the
 * selector say afterwards which one it sent.
 */
final class ClientHello {
    private static final int EXT_SERVER_NAME = 0;
    private static final int EXT_SIGNATURE_ALGORITHMS = 13;
    private static final int NAME_TYPE_HOST = 0;

    private final String serverName;
    private final int[] signatureSchemes;

    private ClientHello(String serverName, int[] signatureSchemes) {
        this.serverName = serverName;
        this.signatureSchemes = signatureSchemes;
    }

    /** The signature_algorithms the client offered (RFC 8446 4.2.3), in its order; empty when it sent none. */
    int[] signatureSchemes() {
        return signatureSchemes.clone();
    }

    /** The host_name as the client sent it (ASCII), or {@code null} when it sent none. */
    String serverName() {
        return serverName;
    }

    /** Parses {@code body} without moving its indexes. */
    static ClientHello parse(ByteBuf body) throws TlsException {
        Cursor c = new Cursor(body, body.readerIndex(), body.writerIndex());
        c.skip(2, "legacy_version");
        c.skip(32, "random");
        int sessionId = c.u8("legacy_session_id length");
        if (sessionId > 32) {
            throw malformed("legacy_session_id of " + sessionId + " bytes (at most 32)");
        }
        c.skip(sessionId, "legacy_session_id");
        int suites = c.u16("cipher_suites length");
        if (suites < 2 || suites % 2 != 0) {
            throw malformed("cipher_suites of " + suites + " bytes (an even number, at least 2)");
        }
        c.skip(suites, "cipher_suites");
        int compression = c.u8("legacy_compression_methods length");
        if (compression < 1) {
            throw malformed("no compression method");
        }
        c.skip(compression, "legacy_compression_methods");
        if (c.remaining() == 0) {
            return new ClientHello(null, new int[0]);
        }
        int extensionsLength = c.u16("extensions length");
        if (extensionsLength != c.remaining()) {
            throw malformed("extensions of " + extensionsLength + " bytes where " + c.remaining() + " remain");
        }
        String name = null;
        int[] schemes = new int[0];
        Set<Integer> seen = new HashSet<>();
        while (c.remaining() > 0) {
            int type = c.u16("extension type");
            int length = c.u16("extension length");
            Cursor ext = c.sub(length, "extension " + type);
            if (!seen.add(type)) {
                throw malformed("extension " + type + " appears twice");
            }
            if (type == EXT_SERVER_NAME) {
                name = serverName(ext);
            } else if (type == EXT_SIGNATURE_ALGORITHMS) {
                schemes = signatureSchemes(ext);
            }
        }
        return new ClientHello(name, schemes);
    }

    private static String serverName(Cursor ext) throws TlsException {
        if (ext.remaining() == 0) {
            // A server's empty acknowledgement; from a client it names nothing.
            return null;
        }
        int listLength = ext.u16("server_name_list length");
        if (listLength != ext.remaining() || listLength == 0) {
            throw malformed("server_name_list of " + listLength + " bytes where " + ext.remaining() + " remain");
        }
        String host = null;
        while (ext.remaining() > 0) {
            int nameType = ext.u8("server name type");
            int length = ext.u16("server name length");
            Cursor name = ext.sub(length, "server name");
            if (nameType != NAME_TYPE_HOST) {
                continue;
            }
            if (host != null) {
                throw malformed("two host_name entries (RFC 6066 allows one)");
            }
            if (length == 0 || length > 255) {
                throw malformed("a host_name of " + length + " bytes");
            }
            byte[] bytes = name.bytes(length, "host_name");
            for (byte b : bytes) {
                if (b < 0x21 || b > 0x7e) {
                    throw malformed(String.format("host_name contains byte 0x%02x", b & 0xff));
                }
            }
            host = new String(bytes, StandardCharsets.US_ASCII);
        }
        return host;
    }

    private static int[] signatureSchemes(Cursor ext) throws TlsException {
        int length = ext.u16("supported_signature_algorithms length");
        if (length != ext.remaining() || length < 2 || length % 2 != 0) {
            throw malformed("signature_algorithms of " + length + " bytes where " + ext.remaining() + " remain");
        }
        int[] schemes = new int[length / 2];
        for (int i = 0; i < schemes.length; i++) {
            schemes[i] = ext.u16("signature scheme");
        }
        return schemes;
    }

    static TlsException malformed(String problem) {
        return new TlsException(TlsErrorCode.HANDSHAKE_FAILED, "malformed ClientHello: " + problem);
    }

    /** A bounded view: nothing is read past {@code end}. */
    private static final class Cursor {
        private final ByteBuf buf;
        private int pos;
        private final int end;

        Cursor(ByteBuf buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        private void need(int n, String what) throws TlsException {
            if (n > remaining()) {
                throw malformed(what + " needs " + n + " bytes, " + remaining() + " remain");
            }
        }

        int u8(String what) throws TlsException {
            need(1, what);
            return buf.getUnsignedByte(pos++);
        }

        int u16(String what) throws TlsException {
            need(2, what);
            int v = buf.getUnsignedShort(pos);
            pos += 2;
            return v;
        }

        void skip(int n, String what) throws TlsException {
            need(n, what);
            pos += n;
        }

        byte[] bytes(int n, String what) throws TlsException {
            need(n, what);
            byte[] out = new byte[n];
            buf.getBytes(pos, out);
            pos += n;
            return out;
        }

        Cursor sub(int n, String what) throws TlsException {
            need(n, what);
            Cursor c = new Cursor(buf, pos, pos + n);
            pos += n;
            return c;
        }
    }
}
