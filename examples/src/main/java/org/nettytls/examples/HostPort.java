package org.nettytls.examples;

import java.net.InetSocketAddress;

/**
 * A {@code HOST:PORT} as the command line and HTTP CONNECT write it, an IPv6 literal in brackets
 * ({@code [::1]:443}); the host is kept without brackets. The one parser of such addresses in the
 * examples: {@code --listen}, {@code --upstream}, {@code --metrics}, {@code probe}'s target and
 * CONNECT requests all go through {@link #parse}.
 *
 * @param host a name or an address, without brackets
 * @param port 0 to 65535; 0 asks to listen on any free port
 */
public record HostPort(String host, int port) {
    /**
     * Parses {@code text}: {@code HOST:PORT} or {@code [ADDRESS]:PORT}, the port a number from 0 to
     * 65535.
     *
     * @throws IllegalArgumentException saying what is wrong, with the text as found
     */
    public static HostPort parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0 || end + 1 >= text.length() || text.charAt(end + 1) != ':') {
                throw new IllegalArgumentException("expected [ADDRESS]:PORT, found '" + text + "'");
            }
            host = text.substring(1, end);
            port = text.substring(end + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected HOST:PORT, found '" + text + "'");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("an IPv6 address needs brackets: [ADDRESS]:PORT, found '" + text + "'");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("expected HOST:PORT with a host, found '" + text + "'");
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("the port of '" + text + "' is not a number from 0 to 65535");
        }
        return new HostPort(host, Integer.parseInt(port));
    }

    /** The IP address (no name) and port of {@code address}. */
    public static HostPort of(InetSocketAddress address) {
        return new HostPort(address.getAddress().getHostAddress(), address.getPort());
    }

    /** {@code HOST:PORT}, with brackets around an IPv6 address. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
