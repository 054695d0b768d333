package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the selector needs from a ClientHello body (RFC 8446 4.1.2, RFC 5246 7.4.1.2): the
 * requested server name (RFC 6066 3), and, for what comes after the choice, the offered signature
 * schemes and ALPN protocols (RFC 7301).
 *
 * <p>It judges nothing about the protocol. It reads the hello's outer structure and its
 * server_name extension exactly as BoringSSL does before anything else (BoringSSL's
 * {@code ssl_client_hello_init} and {@code extract_sni}): where BoringSSL would refuse them the
 * name is {@link NameStatus#UNREADABLE}, {@link #problem()} says why, and the selector hands the
 * hello to BoringSSL, which sends its own alert. Everything else (cipher suites, versions, key
 * shares, the other extensions) is BoringSSL's alone to judge; the schemes and protocols are read
 * leniently and are empty when malformed.
 */
final class ClientHello {
    private static final int EXT_SERVER_NAME = 0;
    private static final int EXT_SIGNATURE_ALGORITHMS = 13;
    private static final int EXT_ALPN = 16;
    private static final int NAME_TYPE_HOST = 0;
    private static final int MAX_HOST_NAME = 255;
    private static final int MAX_SESSION_ID = 32;

    /** What the hello says about the server it wants. */
    enum NameStatus {
        /** No server_name extension. */
        NONE,
        /** One host_name of printable ASCII: {@link #hostName()}. */
        NAME,
        /** The hello or its server_name extension is malformed where BoringSSL refuses it: {@link #problem()}. */
        UNREADABLE,
        /**
         * One host_name BoringSSL would take, with control or non-ASCII bytes in it
         * ({@link #hostName()} escaped): no DNS name looks like this, and the selector refuses it.
         */
        REFUSED
    }

    private final NameStatus status;
    private final String hostName;
    private final String problem;
    private final int[] signatureSchemes;
    private final List<String> alpnProtocols;

    private ClientHello(NameStatus status, String hostName, String problem, int[] signatureSchemes, List<String> alpnProtocols) {
        this.status = status;
        this.hostName = hostName;
        this.problem = problem;
        this.signatureSchemes = signatureSchemes;
        this.alpnProtocols = alpnProtocols;
    }

    NameStatus status() {
        return status;
    }

    /**
     * The host_name as the client sent it: for {@link NameStatus#NAME} as it is (printable
     * ASCII), for {@link NameStatus#REFUSED} escaped ({@link Escape}); otherwise {@code null}.
     */
    String hostName() {
        return hostName;
    }

    /** What is wrong with the hello, for {@link NameStatus#UNREADABLE} and {@link NameStatus#REFUSED}. */
    String problem() {
        return problem;
    }

    /** The signature_algorithms the client offered (RFC 8446 4.2.3), in its order; empty when it sent none or a malformed list. */
    int[] signatureSchemes() {
        return signatureSchemes.clone();
    }

    /**
     * The ALPN protocols the client offered (RFC 7301 3.1), in its order, as ISO-8859-1 strings
     * (every byte one character); empty when it sent none or a malformed list. What an ACME
     * tls-alpn-01 answer (RFC 8737) looks for: {@code acme-tls/1}.
     */
    List<String> alpnProtocols() {
        return alpnProtocols;
    }

    /** Parses {@code body} without moving its indexes. */
    static ClientHello parse(ByteBuf body) {
        Cursor c = new Cursor(body, body.readerIndex(), body.writerIndex());
        // BoringSSL's ssl_client_hello_init: every failure below is its decode_error.
        if (!c.skip(2) || !c.skip(32)) {
            return unreadable("ends within its version and random (" + c.length() + " bytes)");
        }
        int sessionId = c.u8();
        if (sessionId < 0 || sessionId > MAX_SESSION_ID || !c.skip(sessionId)) {
            return unreadable(sessionId > MAX_SESSION_ID ? "has a legacy_session_id of " + sessionId + " bytes (at most 32)"
                    : "ends within its legacy_session_id");
        }
        int suites = c.u16();
        if (suites < 2 || suites % 2 != 0 || !c.skip(suites)) {
            return unreadable(suites < 0 ? "ends before its cipher_suites" : "has cipher_suites of " + suites
                    + " bytes where " + c.remaining() + " remain (an even number, at least 2)");
        }
        int compression = c.u8();
        if (compression < 1 || !c.skip(compression)) {
            return unreadable(compression < 0 ? "ends before its compression methods" : "has compression methods of "
                    + compression + " bytes where " + c.remaining() + " remain (at least 1)");
        }
        if (c.remaining() == 0) {
            return new ClientHello(NameStatus.NONE, null, null, new int[0], List.of());
        }
        int extensionsLength = c.u16();
        if (extensionsLength != c.remaining()) {
            return unreadable("has extensions of " + extensionsLength + " bytes where " + c.remaining() + " remain");
        }
        Cursor sni = null;
        int[] schemes = new int[0];
        List<String> alpn = List.of();
        Set<Integer> seen = new HashSet<>();
        while (c.remaining() > 0) {
            int type = c.u16();
            int length = c.u16();
            Cursor ext = c.sub(length);
            if (type < 0 || length < 0 || ext == null) {
                return unreadable("has an extension that runs past the end of the extensions");
            }
            if (!seen.add(type)) {
                return unreadable("has extension " + type + " twice");
            }
            if (type == EXT_SERVER_NAME) {
                sni = ext;
            } else if (type == EXT_SIGNATURE_ALGORITHMS) {
                schemes = signatureSchemes(ext);
            } else if (type == EXT_ALPN) {
                alpn = alpnProtocols(ext);
            }
        }
        if (sni == null) {
            return new ClientHello(NameStatus.NONE, null, null, schemes, alpn);
        }
        return serverName(sni, schemes, alpn);
    }

    /** BoringSSL's extract_sni: exactly one entry, a host_name of 1 to 255 bytes without a zero byte. */
    private static ClientHello serverName(Cursor ext, int[] schemes, List<String> alpn) {
        int listLength = ext.u16();
        if (listLength < 0 || listLength != ext.remaining()) {
            return unreadable("has a server_name extension of " + ext.length() + " bytes whose list says "
                    + Math.max(listLength, 0) + " (BoringSSL answers decode_error)");
        }
        int nameType = ext.u8();
        int length = ext.u16();
        Cursor name = ext.sub(length);
        if (nameType < 0 || length < 0 || name == null || ext.remaining() != 0) {
            return unreadable("has a server_name list that is not exactly one name (BoringSSL answers decode_error)");
        }
        if (nameType != NAME_TYPE_HOST || length == 0 || length > MAX_HOST_NAME) {
            return unreadable((nameType != NAME_TYPE_HOST ? "names a server by name type " + nameType + ", not host_name (0)"
                    : "has a host_name of " + length + " bytes (1 to 255)") + " (BoringSSL answers unrecognized_name)");
        }
        byte[] bytes = name.bytes(length);
        boolean printable = true;
        for (byte b : bytes) {
            if (b == 0) {
                return unreadable("has a host_name with a zero byte, '" + Escape.bytes(bytes)
                        + "' (BoringSSL answers unrecognized_name)");
            }
            printable &= b >= 0x20 && b < 0x7f;
        }
        if (!printable) {
            String shown = Escape.bytes(bytes);
            return new ClientHello(NameStatus.REFUSED, shown, "names the server '" + shown
                    + "', with control or non-ASCII bytes, which no DNS name has (RFC 6066 3: ASCII host names)", schemes, alpn);
        }
        return new ClientHello(NameStatus.NAME, new String(bytes, StandardCharsets.US_ASCII), null, schemes, alpn);
    }

    private static int[] signatureSchemes(Cursor ext) {
        int length = ext.u16();
        if (length < 2 || length % 2 != 0 || length != ext.remaining()) {
            return new int[0];
        }
        int[] schemes = new int[length / 2];
        for (int i = 0; i < schemes.length; i++) {
            schemes[i] = ext.u16();
        }
        return schemes;
    }

    private static List<String> alpnProtocols(Cursor ext) {
        int length = ext.u16();
        if (length < 2 || length != ext.remaining()) {
            return List.of();
        }
        List<String> protocols = new ArrayList<>();
        while (ext.remaining() > 0) {
            int n = ext.u8();
            Cursor p = ext.sub(n);
            if (n < 1 || p == null) {
                return List.of();
            }
            protocols.add(new String(p.bytes(n), StandardCharsets.ISO_8859_1));
        }
        return List.copyOf(protocols);
    }

    private static ClientHello unreadable(String problem) {
        return new ClientHello(NameStatus.UNREADABLE, null, problem, new int[0], List.of());
    }

    /** A bounded view: nothing is read past {@code end}; a read that does not fit answers -1 or {@code null}. */
    private static final class Cursor {
        private final ByteBuf buf;
        private final int start;
        private int pos;
        private final int end;

        Cursor(ByteBuf buf, int pos, int end) {
            this.buf = buf;
            this.start = pos;
            this.pos = pos;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        int length() {
            return end - start;
        }

        int u8() {
            return remaining() < 1 ? -1 : buf.getUnsignedByte(pos++);
        }

        int u16() {
            if (remaining() < 2) {
                pos = end;
                return -1;
            }
            int v = buf.getUnsignedShort(pos);
            pos += 2;
            return v;
        }

        boolean skip(int n) {
            if (n > remaining()) {
                return false;
            }
            pos += n;
            return true;
        }

        byte[] bytes(int n) {
            byte[] out = new byte[n];
            buf.getBytes(pos, out);
            pos += n;
            return out;
        }

        Cursor sub(int n) {
            if (n < 0 || n > remaining()) {
                return null;
            }
            Cursor c = new Cursor(buf, pos, pos + n);
            pos += n;
            return c;
        }
    }
}
