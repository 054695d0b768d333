package org.nettytls.cert;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nettytls.error.TlsException;

/**
 * One decoded PEM block (RFC 7468, plus the RFC 1421 headers that OpenSSL's legacy encrypted
 * keys carry). Text outside blocks is ignored, as OpenSSL ignores it: {@code openssl x509 -text}
 * writes a dump before the block.
 */
final class PemBlock {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    final String label;
    final Map<String, String> headers;
    final byte[] der;

    private PemBlock(String label, Map<String, String> headers, byte[] der) {
        this.label = label;
        this.headers = headers;
        this.der = der;
    }

    /** Whether {@code data} holds at least one PEM begin line. */
    static boolean looksLikePem(byte[] data) {
        return new String(data, StandardCharsets.ISO_8859_1).contains(BEGIN);
    }

    /** All blocks in {@code data}, in order; a block that is cut off or garbled is an error. */
    static List<PemBlock> parse(byte[] data, String source) throws TlsException {
        String[] lines = new String(data, StandardCharsets.ISO_8859_1).split("\r?\n|\r");
        List<PemBlock> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            String line = lines[i++].strip();
            if (!line.startsWith(BEGIN) || !line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length()) {
                continue;
            }
            String label = line.substring(BEGIN.length(), line.length() - DASHES.length());
            String endLine = END + label + DASHES;
            Map<String, String> headers = new LinkedHashMap<>();
            StringBuilder base64 = new StringBuilder();
            boolean ended = false;
            boolean inHeaders = true;
            while (i < lines.length) {
                String l = lines[i++].strip();
                if (l.equals(endLine)) {
                    ended = true;
                    break;
                }
                if (l.contains(DASHES)) {
                    // Another block starts (or a different one ends) before ours ended: cut off.
                    i--;
                    break;
                }
                int colon = l.indexOf(':');
                if (inHeaders && colon > 0) {
                    headers.put(l.substring(0, colon).strip(), l.substring(colon + 1).strip());
                    continue;
                }
                inHeaders = false;
                base64.append(l);
            }
            if (!ended) {
                throw TlsException.badInput(source, "truncated PEM: \"" + line + "\" has no matching END line", null);
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(base64.toString());
            } catch (IllegalArgumentException e) {
                throw TlsException.badInput(source, "bad base64 in PEM " + label + " block (" + e.getMessage() + ")", null);
            }
            if (der.length == 0) {
                throw TlsException.badInput(source, "PEM " + label + " block is empty", null);
            }
            blocks.add(new PemBlock(label, headers, der));
        }
        return blocks;
    }
}
