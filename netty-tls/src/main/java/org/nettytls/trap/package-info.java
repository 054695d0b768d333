/**
 * What happens to the channel of a failed handshake ({@code SSL_error_trap}): an
 * {@link org.nettytls.trap.ErrorTrap} gets it instead of it being closed, and
 * {@link org.nettytls.trap.PlainHttpAnswer} answers plain HTTP sent to a TLS port.
 */
package org.nettytls.trap;
