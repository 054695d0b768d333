/**
 * Choosing Netty's transport once, for servers, their clients and a proxy's upstream connections:
 * io_uring when named, else epoll, else NIO ({@link org.nettytls.transport.Transport}).
 */
package org.nettytls.transport;
