/**
 * etcd's JSON/HTTP gateway for Cairn.
 *
 * <p>Wiring: build one {@link io.cairn.gateway.JsonGateway} with a gRPC channel to the server's own
 * services (an in-process channel, so auth and limits apply exactly as for gRPC clients), a
 * {@link io.cairn.gateway.GatewayOptions} from the flags and an {@link
 * io.cairn.gateway.HttpEndpoints} implementation. Then either call {@code install(pipeline)} on
 * HTTP/1.1 connections of the shared client port, or start a {@link
 * io.cairn.gateway.GatewayServer} for --listen-client-http-urls.
 */
package io.cairn.gateway;
