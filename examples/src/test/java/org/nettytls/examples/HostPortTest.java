package org.nettytls.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The examples' one HOST:PORT parser: what it accepts, what it refuses and how it says so. */
class HostPortTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "localhost:443|localhost|443|localhost:443",
        "127.0.0.1:0|127.0.0.1|0|127.0.0.1:0",
        "[::1]:8443|::1|8443|[::1]:8443",
        "[2001:db8::1]:65535|2001:db8::1|65535|[2001:db8::1]:65535",
        "www.example.org.:25|www.example.org.|25|www.example.org.:25",
        "*.example.org:443|*.example.org|443|*.example.org:443"})
    void parsesAndPrintsBack(String text, String host, int port, String printed) {
        HostPort hp = HostPort.parse(text);
        assertEquals(new HostPort(host, port), hp);
        assertEquals(printed, hp.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:", ":443", "localhost:http", "localhost:-1", "localhost:65536",
        "localhost:99999", "localhost:+80", "localhost: 80", "::1:443", "[::1]443", "[::1]", "[::1:443", "[]:443", ""})
    void refusesNamingWhatItFound(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void ofASocketAddressIsItsAddress(String address) throws Exception {
        HostPort hp = HostPort.of(new InetSocketAddress(InetAddress.getByName(address), 1234));
        assertEquals(1234, hp.port());
        assertEquals(hp, HostPort.parse(hp.toString()), "what it prints parses back");
    }
}
