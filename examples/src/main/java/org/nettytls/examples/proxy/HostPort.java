package org.nettytls.examples.proxy;

/**
 * A {@code HOST:PORT} as the command line and HTTP CONNECT write it; an IPv6 literal in
 * brackets ({@code [::1]:443}). The host is kept without brackets.
 */
public record HostPort(String host, int port) {
    /** Parses {@code text}; an {@link IllegalArgumentException} says what is wrong with it. */
    public static HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, found '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an IPv6 address needs brackets: [ADDRESS]:PORT, found '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of '" + text + "' is not a number");
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            throw new IllegalArgumentException("expected HOST:PORT with a port from 0 to 65535, found '" + text + "'");
        }
        return new HostPort(host, port);
    }

    /** The IP address (no name) and port of {@code address}. */
    public static HostPort of(java.net.InetSocketAddress address) {
        return new HostPort(address.getAddress().getHostAddress(), address.getPort());
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
