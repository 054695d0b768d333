package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code capabilities}, as text and as JSON, on the engine this build pins. */
class CapabilitiesCommandTest {
    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(Main.OK, status, () -> out + "\n" + err);
        assertEquals("", err.toString());
        return out.toString();
    }

    @Test
    void printsTheReferencesNamesWithTheEnginesAnswers() {
        String text = run("capabilities");
        for (String yes : new String[] {"can_client_sni", "can_server_sni", "can_alpn", "can_ecdh", "can_ocsp",
                "can_ticket_keycb", "tls1_3", "keylog"}) {
            assertTrue(Pattern.compile("(?m)^" + yes + ": +yes$").matcher(text).find(), yes + " in\n" + text);
        }
        assertTrue(Pattern.compile("(?m)^engine: +BoringSSL$").matcher(text).find(), text);
        Matcher groups = Pattern.compile("(?m)^groups: +(.*)$").matcher(text);
        assertTrue(groups.find(), text);
        assertTrue((" " + groups.group(1) + " ").contains(" X25519 "), text);
        assertTrue(groups.group(1).startsWith("X25519MLKEM768 "), text);
    }

    @Test
    void jsonHasTheSameAnswers() {
        String json = run("capabilities", "--json");
        assertTrue(json.contains("\"can_alpn\": true"), json);
        assertTrue(json.contains("\"tls1_3\": true"), json);
        assertTrue(json.contains("\"X25519\""), json);
    }
}
