/**
 * The two marks netty-tls puts on its API: {@link org.nettytls.annotation.Spi} for the types users
 * implement and netty-tls calls, {@link org.nettytls.annotation.Experimental} for API whose shape may
 * still change in a minor release. Everything public in an exported package without either is
 * stable API.
 */
package org.nettytls.annotation;
