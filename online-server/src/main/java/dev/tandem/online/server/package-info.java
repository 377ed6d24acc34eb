/**
 * The scoring server: Vert.x routes from the OpenAPI document, the endpoints' work on a worker
 * pool, deadlines, access control and hot reload. Its doors: {@link dev.tandem.online.server.ServerMain}
 * (the command line), {@link dev.tandem.online.server.TandemServer} (embedding) and
 * {@link dev.tandem.online.server.ServerConfig}. It reads state through {@code dev.tandem.online}.
 */
package dev.tandem.online.server;
